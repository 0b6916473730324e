"""What a long-lived process of the application does once it has started."""
import gc


def freeze_startup_objects() -> None:
    """Load the URLconf, then move every object made so far out of the
    cyclic garbage collector's generations (``gc.freeze``): they live as
    long as the process, and a full collection would otherwise scan them
    all — about 180.000 objects once Django is set up, 60–100 ms — in the
    middle of whichever request triggered it. Objects made afterwards are
    collected as before."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module now, not on a first request)
    gc.collect()
    gc.freeze()
