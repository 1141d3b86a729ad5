"""Keywords that look inside the sample app when it runs in this process."""

from robot.api.deco import keyword, library

from sample_app import main


@library(scope="SUITE")
class SampleAppHooks:
    @keyword
    def lifecycle_should_end_with(self, *events: str) -> None:
        """Fails unless the app's latest lifecycle events are ``events``, in order.

        Example:
        | Lifecycle Should End With | startup | shutdown |
        """
        latest = main.LIFECYCLE[-len(events):] if events else []
        if list(events) != latest:
            raise AssertionError(
                f"Expected the app's lifecycle to end with {', '.join(events)}, "
                f"but it ended with {', '.join(latest) or 'nothing'}."
            )
