"""The schema: typed SQLAlchemy 2 models.

The vote log (``Vote``) is append-only and is the source of truth: beliefs (``Belief``) are a cache
that can always be rebuilt from it. Discord ids are stored as 64-bit integers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, LargeBinary, MetaData,
    String, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.db.types import IdInteger, UTCDateTime, utcnow

# Named constraints keep Alembic's batch migrations on SQLite deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PRIVACY_LEVELS = ("server", "anonymous", "private")
PROVIDERS = ("spotify", "lastfm", "aoty")
OUTCOMES = ("A", "B", "DRAW")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Discord user id
    name: Mapped[str] = mapped_column(String(100), default="")
    privacy: Mapped[str] = mapped_column(String(16), default="server")
    # Bumped in the same transaction as every change to this person's votes or albums. Processes cache a
    # ranker per person and compare this number to know whether their copy is still current.
    ranking_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("privacy IN ('server', 'anonymous', 'private')", name="privacy"),)


class LinkedAccount(Base):
    __tablename__ = "linked_accounts"

    id: Mapped[int] = mapped_column(IdInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted with SECRET_KEY
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | broken
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_import_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    import_state: Mapped[dict | None] = mapped_column(JSON)  # resumable import cursor and progress

    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="provider_external"),
        UniqueConstraint("user_id", "provider", name="user_provider"),
    )


class OAuthState(Base):
    """A pending link: single-use, bound to one user and provider, expires after 10 minutes."""

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the state
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    verifier: Mapped[bytes | None] = mapped_column(LargeBinary)  # PKCE verifier, encrypted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Album(Base):
    """One album in the shared catalogue, whatever source it came from."""

    __tablename__ = "albums"

    id: Mapped[int] = mapped_column(IdInteger, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(500))
    artists: Mapped[list[str]] = mapped_column(JSON, default=list)
    year: Mapped[int | None] = mapped_column(Integer)
    cover_url: Mapped[str | None] = mapped_column(String(1000))
    cover_source: Mapped[str | None] = mapped_column(String(32))
    cover_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Cover URLs each source offered ({"aoty": url, "lastfm": url, ...}); the artwork chain picks from them.
    cover_candidates: Mapped[dict] = mapped_column(JSON, default=dict)
    cover_failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive dead checks of cover_url
    spotify_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    mbid: Mapped[str | None] = mapped_column(String(64), unique=True)
    aoty_url: Mapped[str | None] = mapped_column(String(500))
    identity_key: Mapped[str] = mapped_column(String(600), index=True)
    # Set when this row was folded into another: the row stays so void votes keep pointing somewhere.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("albums.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def artist(self) -> str:
        return ", ".join(self.artists) if self.artists else "Unknown artist"


class UserAlbum(Base):
    """An album in one person's collection, with where it came from and what the import suggests."""

    __tablename__ = "user_albums"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True, index=True)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    aoty_score: Mapped[float | None] = mapped_column(Float)
    lastfm_playcount: Mapped[int | None] = mapped_column(Integer)
    spotify_saved_album: Mapped[bool] = mapped_column(Boolean, default=False)
    spotify_saved_tracks: Mapped[int] = mapped_column(Integer, default=0)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Belief(Base):
    """The ranking engine's belief about one album for one person: a cache of the vote log."""

    __tablename__ = "beliefs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    mu: Mapped[float] = mapped_column(Float)
    sigma2: Mapped[float] = mapped_column(Float)
    comparisons: Mapped[int] = mapped_column(Integer, default=0)


class Duel(Base):
    """One question shown to a person. A duel gets at most one vote."""

    __tablename__ = "duels"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    album_a: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    album_b: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | voted | skipped | closed
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vote(Base):
    """Append-only: a vote is never deleted, only marked undone (or void after a merge)."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(IdInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    album_a: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    album_b: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(4))
    duel_id: Mapped[str | None] = mapped_column(ForeignKey("duels.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint("outcome IN ('A', 'B', 'DRAW')", name="outcome"),
        CheckConstraint("album_a <> album_b", name="distinct_albums"),
        Index("ix_votes_user_id_id", "user_id", "id"),
    )


class Guild(Base):
    __tablename__ = "guilds"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100), default="")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuildMember(Base):
    """A person counts in a server once they have used the bot there."""

    __tablename__ = "guild_members"

    guild_id: Mapped[int] = mapped_column(ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlbumMerge(Base):
    """Audit log of catalogue merges: which row was folded into which, and what moved."""

    __tablename__ = "album_merges"

    id: Mapped[int] = mapped_column(IdInteger, primary_key=True, autoincrement=True)
    kept_album_id: Mapped[int] = mapped_column(BigInteger)
    merged_album_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)



# --- server leaderboards and server duels (docs/server.md) ---------------------------------------------

class MemberAlbumRating(Base):
    """A person's 0-100 rating of an album they have compared at least once: a cache of their beliefs,
    rebuilt when ``users.ranking_version`` moves past ``MemberRatingVersion.version``."""

    __tablename__ = "member_album_ratings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True, index=True)
    rating: Mapped[float] = mapped_column(Float)


class MemberRatingVersion(Base):
    """The ``ranking_version`` a person's ``member_album_ratings`` rows were computed from."""

    __tablename__ = "member_rating_versions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServerBoard(Base):
    """Per-server aggregate bookkeeping: it is stale while ``wanted`` > ``built``."""

    __tablename__ = "server_boards"

    guild_id: Mapped[int] = mapped_column(ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    wanted: Mapped[int] = mapped_column(Integer, default=0)
    built: Mapped[int] = mapped_column(Integer, default=0)
    members: Mapped[int] = mapped_column(Integer, default=0)  # members counted at the last build
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServerAlbumScore(Base):
    """One album on a server's chart (only albums with at least SERVER_MIN_RATERS raters)."""

    __tablename__ = "server_album_scores"

    guild_id: Mapped[int] = mapped_column(ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    raters: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_server_album_scores_guild_position", "guild_id", "position"),)


class ServerDuel(Base):
    """A duel posted for a whole channel; every member votes once (and may change it) until it closes."""

    __tablename__ = "server_duels"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    guild_id: Mapped[int] = mapped_column(ForeignKey("guilds.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int] = mapped_column(BigInteger)
    album_a: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    album_b: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    result: Mapped[str | None] = mapped_column(String(8))  # A | B | TIE | NONE once closed
    votes_a: Mapped[int] = mapped_column(Integer, default=0)  # final tally, set at close
    votes_b: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("album_a <> album_b", name="distinct_albums"),
        Index("ix_server_duels_state_closes_at", "state", "closes_at"),
    )


class ServerDuelVote(Base):
    """One member's current choice in a server duel; changing it overwrites the row."""

    __tablename__ = "server_duel_votes"

    duel_id: Mapped[str] = mapped_column(ForeignKey("server_duels.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    choice: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("choice IN ('A', 'B')", name="choice"),)


class ServerDuelBelief(Base):
    """The server-level ranking fitted from closed server duels' votes, separate from personal ones."""

    __tablename__ = "server_duel_beliefs"

    guild_id: Mapped[int] = mapped_column(ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    mu: Mapped[float] = mapped_column(Float)
    sigma2: Mapped[float] = mapped_column(Float)
    rating: Mapped[float] = mapped_column(Float)
    duels: Mapped[int] = mapped_column(Integer, default=0)
