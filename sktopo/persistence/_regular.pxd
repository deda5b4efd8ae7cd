# The 2-D pairing of a tile with the union-find at the pixels that may merge classes and
# at its edge only (``_pairing``).


from sktopo.persistence._glue cimport Tile
from sktopo.persistence._workspace cimport ImageWorkspace


cdef enum:
    # the most pixels of an image of one tile (its class ids are 16-bit: on all but
    # images of 65535 pixels or more that are nearly all extrema, they fit)
    ONE_TILE_PIXELS = 131072
    # pair_tile's status when a pass has more classes than 16-bit ids
    TOO_MANY_CLASSES = -2


cdef int pair_tile(ImageWorkspace *ws, Tile *tile, int sides, bint full, bint low,
                   bint top) noexcept nogil
