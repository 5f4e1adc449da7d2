"""The ranking engine: the fewest duels to a trustworthy ranking of one person's albums.

Pure Python and numpy, no I/O, deterministic given a seed. See docs/ranking.md.
"""

from .errors import AlbumNotRanked, NoVoteToUndo, TooFewAlbumsToDuel
from .outcome import Outcome
from .ranker import Belief, RankedAlbum, Ranker

__all__ = ["AlbumNotRanked", "Belief", "NoVoteToUndo", "Outcome", "RankedAlbum", "Ranker", "TooFewAlbumsToDuel"]
