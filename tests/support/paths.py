"""Where the tests find the checkout and the consumer example, wherever pytest is started from."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONSUMER_EXAMPLE = REPO / "examples" / "consumer"
