"""placeholder"""
def critical_smear(*a, **k):
    raise NotImplementedError
