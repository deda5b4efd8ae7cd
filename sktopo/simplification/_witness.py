"""The conditions on the pixels that prove a pair of a candidate of the exact search
(``_exact.py``), from which its clauses are written.

The clause of a pair of birth pixel ``b`` at level ``c``, below ``t`` (in the view where
its extremum is a minimum: ``g``, or ``-g`` with the dual connectivity in the top
dimension), with ``P`` its plateau, the pixels at ``c`` connected to ``b``, and ``E`` a
connected region of pixels around ``P`` (no border pixel in the top dimension):

* ``b`` stays at ``c`` and the rest of ``E`` at ``c`` or above;
* the ring around ``E`` stays at ``c + 1`` or above;
* a path from ``b`` through pixels at most ``c + ceil(t) - 1`` leads to a pixel out of
  ``E`` at ``c`` or below, or in the top dimension to the border, which is older than
  every pixel.

Wherever these hold, the level set at ``c`` around ``b`` lies in ``E`` with no pixel
below ``c``: its class is born at ``c`` and lives past ``c``. At the path's end, below
``c + ceil(t)``, it meets another class born at ``c`` or below; by then the younger of
the two, born at ``c``, has died, above ``c``: a pair below ``t`` (integer lifetimes).
So the clause forbids nothing that keeps every promise; it forbids more than the
plateau's exact values would (the rest of ``E`` may rise; any level-``c`` pixel ends a
path).

A pair gets two: ``E = P``, and, where it is larger, ``E`` the pixels ``P`` may grow into,
those the bounds let reach ``c``, stopping one pixel short of any other pixel at ``c`` or
below. A candidate whose plateau only grew keeps the second false: on flat noise (a 96 x
96 crop of ``clock``) the search spent thousands of rounds growing one plateau a pixel a
round, each time with a new clause. Where those pixels are too many, ``E`` grows only
into pixels that some plateau at ``c`` of the view has covered in an earlier round: a
candidate that reshapes its plateau within them keeps the clause false too. Any
connected ``E`` around ``P`` whose other pixels are above ``c`` in the candidate, with
its ring, will do: the argument above holds for it.

The path is the one with the fewest conditions the bounds leave open. Where the search
comes back to one plateau again and again, each time with a new path, a reach gadget
forbids every path at once: a variable per pixel near ``b``, true (under the conditions
of ``E`` and its ring) where the pixel joins ``b`` through pixels at most ``c + ceil(t) -
1``, and false at a pixel out of ``E`` at ``c`` or below (or on the border in the top
dimension).

A pair ``>= 2 t`` that the input has not (a count off) is forbidden by the exact order
of the pixels that make it: its component below the saddle and a path past the saddle to
an older pixel. This is a guess: an output with that pair may have lost one of the
input's. A candidate that lost a pair ``>= 2 t`` of the input is forbidden by the values
of the pixels it moved from the start (a guess too). Each guess holds only while a guard
variable does, which the solver assumes true; where it finds no output and the guard is
not in its core (the assumptions it needed), no output exists at all.
"""

# a reach gadget is built for a plateau the _RECUR-th time a candidate has it as a pair
# below t, with _REACH pixels at most. Measured: a 40 x 193 photo crop whose search came
# back to one plateau 317 times (each time with a new path) finds its output at round 91,
# not at the budget; on 1,191 small images at t in (3, 4) none settled more or fewer, in
# the same time. A gadget for every plateau, or from its second time, costs 100x the
# clauses and made those images >4x slower
_REACH = 500
_RECUR = 60
# the region a plateau may grow into is given up past _GROW pixels (its clause would be
# long, and cost a visit of every pixel each round). Measured on the two surveys (1,191
# small images at t in (3, 4)) and 5 flat 96 x 96 crops of clock: with 64, 256 or 500
# pixels the surveys leave 5 or 6 images against 7 without the region, and 1 or 0 of
# the crops are settled within the budget; a region kept whole at 500 pixels (its ring
# cut there) settles 2 crops but loses a survey image, and a round on a 57 x 31 image
# where most regions reach 500 costs 48 ms against 8
_GROW = 256


class _View:
    """A dimension's view of the candidate ``h`` the clauses saw last: its values (``-h``
    in the top dimension), its connectivity, its tie order, and the conditions that prove
    one of its pairs."""

    def __init__(self, clauses, dim):
        self.c = clauses
        self.top = dim != 0
        self.values = clauses.lists[self.top]
        full = clauses.problem.full
        self.full = (not full) if self.top else full

    def value(self, y):
        return self.values[y]

    def before(self, y, z):
        """Whether ``y`` comes first of two pixels at one level (the pairing's ties)."""
        return y > z if self.top else y < z

    def at_least(self, y, c):
        """The condition "value of ``y`` >= ``c``" on ``g``."""
        return (y, -c + 1, False) if self.top else (y, c, True)

    def below(self, y, c):
        return (y, -c + 1, True) if self.top else (y, c, False)

    def older(self, y, z, c):
        """The condition that ``y`` precedes ``z``, at level ``c``, in the filtration."""
        return self.below(y, c + 1) if self.before(y, z) else self.below(y, c)

    def not_older(self, y, z, c):
        return self.at_least(y, c + 1) if self.before(y, z) else self.at_least(y, c)

    def plateau(self, b):
        """The conditions of a pair born at ``b`` below ``t`` (the module's first
        clause): ``b`` at ``c``, the rest of the region ``E`` that its plateau ``P`` may
        grow into at ``c`` or above, the ring at ``c + 1`` or above, a short path from
        ``b`` to a pixel out of ``E`` at ``c`` or below (or the border); None where they
        do not hold (the pair is not such a minimum). The clause with ``E = P`` is
        added here."""
        top, c = self.top, self.values[b]
        high = c + self.c.span
        # the plateau, and the path with the fewest conditions the bounds leave open (a
        # 0-1 breadth-first search, compiled: on small noise it visits most pixels)
        walk = self.c.walks.plateau_path(self.c.last, top, self.full, b, self.c.span,
                                         self.c.upper[top])
        if walk is None:
            return None
        plateau, end, chain, visited = walk
        plateau = set(plateau)
        self.c.work += visited
        if end < 0:
            return None
        neighbours = self.c.neighbours
        ring = {y for x in plateau for y in neighbours(x, self.full)} - plateau
        path = [self.below(x, high + 1) for x in chain]
        if not (top and self.c.border[end]):
            path.append(self.below(end, c + 1))
        # the clause of the plateau, and of the region around it that the plateau may
        # grow into without meeting another pixel at c or below: a candidate that only
        # grows the plateau keeps the region's clause false. Where that region is too
        # large, the region within the pixels that plateaus at c in this view covered
        # in the rounds so far: a candidate that only reshapes the plateau there keeps
        # it false (on a dark patch of coffee the search had reshaped one plateau of ~9
        # pixels, a new clause each round, for 2,800 rounds)
        covered = self.c.covered.setdefault((top, c), set())
        region, grown = self.extend(plateau, c)
        if region is None:
            region, grown = self.extend(plateau, c, covered)
        covered |= plateau
        if region is None:
            region = plateau
        elif len(region) > len(plateau):
            self.c.add([self.at_least(y, c) for y in plateau] + [self.below(b, c + 1)]
                       + [self.at_least(y, c + 1) for y in ring] + path)
            ring = grown
        conds = [self.at_least(y, c) for y in region] + [self.below(b, c + 1)]
        conds += [self.at_least(y, c + 1) for y in ring]
        key = (top, c, frozenset(plateau))
        self.c.seen[key] = self.c.seen.get(key, 0) + 1
        if self.c.seen[key] == _RECUR and self.reach(b, region, conds):
            return []                        # a plateau again: its paths all at once
        return conds + path

    def extend(self, plateau, c, within=None):
        """The region ``E`` around the plateau (at ``c``) that it may grow into, and
        its ring: the pixels that the bounds let reach ``c``, not on the border in the
        top dimension, with no neighbour at ``c`` or below out of the plateau (``E``
        stops one pixel short of another class), and ``within`` the given pixels if
        any; None past ``_GROW`` pixels."""
        value, border, top = self.values, self.c.border, self.top
        low = self.c.bounds[top][0]
        neighbours, full = self.c.neighbours, self.full
        region, ring, stack = set(plateau), set(), list(plateau)
        while stack:
            for y in neighbours(stack.pop(), full):
                if y in region or y in ring:
                    continue
                if (low[y] > c or (top and border[y])
                        or (within is not None and y not in within)
                        or any(value[z] <= c and z not in plateau
                               for z in neighbours(y, full))):
                    ring.add(y)
                elif len(region) >= _GROW:
                    self.c.work += len(region)
                    return None, None
                else:
                    region.add(y)
                    stack.append(y)
        self.c.work += len(region) + len(ring)
        return region, ring

    def reach(self, b, region, trigger):
        """The clauses of a reach gadget for the plateau of ``b`` at ``c``: a variable
        ``r[y]`` for each pixel ``y`` near ``b``, true where ``trigger`` (the conditions
        of the region ``E`` and its ring) holds and ``y`` joins ``b`` through pixels at
        most ``c + ceil(t) - 1``, and a clause against each such ``y`` out of ``E`` at
        ``c`` or below (or on the border in the top dimension): every path of the plateau's
        clause at once. Whether the gadget covers every path (it stops at ``_REACH``
        pixels)."""
        c = self.values[b]
        high = c + self.c.span
        low_v, high_v = self.c.bounds[self.top]
        border, top, new = self.c.border, self.top, self.c.new_variable
        r = {b: new()}
        self.c.add(trigger, extra=[r[b]])
        queue, whole = [b], True
        for x in queue:
            for y in self.c.neighbours(x, self.full):
                if low_v[y] > high:
                    continue                              # never on a path
                if y not in r:
                    if len(r) >= _REACH:
                        whole = False
                        continue
                    r[y] = new()
                    if y in region:
                        queue.append(y)
                    elif top and border[y]:
                        self.c.clause([-r[y]])
                    else:
                        self.c.add([self.below(y, c + 1)], extra=[-r[y]])
                        if high_v[y] > c:                 # past y only where y > c
                            queue.append(y)
                self.c.add([self.below(y, high + 1)], extra=[-r[x], r[y]])
        self.c.work += len(r)
        self.c.solver.set_phases([-var for var in r.values()])
        return whole

    def exact(self, b, s):
        """The conditions of the pair (extremum ``b``, saddle ``s``) in the pairing's
        exact order: ``b``'s component below ``s`` and a path past ``s`` to a pixel older
        than ``b`` (or the border); None where none is found."""
        key = (lambda y: (self.value(y), -y)) if self.top else (lambda y: (self.value(y), y))
        below_s, vs, vb = key(s), self.value(s), self.value(b)
        comp, stack = {b}, [b]
        while stack:
            for y in self.c.neighbours(stack.pop(), self.full):
                if y not in comp and key(y) < below_s:
                    comp.add(y)
                    stack.append(y)
        ring = {y for x in comp for y in self.c.neighbours(x, self.full)} - comp
        end, parent = None, {}
        if self.top and self.c.on_border(s):
            end = "border"
        else:
            queue = [y for y in self.c.neighbours(s, self.full)
                     if y not in comp and key(y) < below_s]
            parent = dict.fromkeys(queue)
            for x in queue:
                if key(x) < key(b) or (self.top and self.c.on_border(x)):
                    end = x
                    break
                for y in self.c.neighbours(x, self.full):
                    if (y not in comp and y not in parent and y != s
                            and key(y) < below_s):
                        parent[y] = x
                        queue.append(y)
        self.c.work += len(comp) + len(parent)
        if end is None:
            return None
        conds = [self.at_least(s, vs), self.below(s, vs + 1),
                 self.at_least(b, vb), self.below(b, vb + 1)]
        for y in comp - {b}:
            conds += [self.older(y, s, vs), self.not_older(y, b, vb)]
        conds += [self.not_older(y, s, vs) for y in ring - {s}]
        x = None if end == "border" else end
        while x is not None:
            conds.append(self.older(x, s, vs))
            x = parent[x]
        if end != "border" and not (self.top and self.c.on_border(end)):
            conds.append(self.older(end, b, vb))
        return conds
