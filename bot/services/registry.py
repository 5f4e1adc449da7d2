"""The use cases the cogs call, built once from the runtime's shared resources."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.artwork import ArtworkResolver
from bot.images import CoverFetcher
from bot.images.tiles import TileStore
from bot.images.workers import ImageWorkers
from bot.linking import LinkingService
from bot.sources.aoty import AotyClient
from bot.sources.spotify.catalog import SpotifyCatalogClient
from bot.runtime import Runtime
from bot.services.accounts import AccountService
from bot.services.collection import CollectionService
from bot.services.duels import DuelService
from bot.services.import_runner import ImportRunner
from bot.services.imports import ImportService
from bot.services.leaderboards import LeaderboardService
from bot.services.memberships import MembershipService
from bot.services.privacy import PrivacyService
from bot.services.provider_imports import ProviderImports
from bot.services.rankers import RankerStore
from bot.services.renders import ImageRenderer
from bot.services.server_duels import ServerDuelService


@dataclass
class Services:
    runtime: Runtime
    rankers: RankerStore
    duels: DuelService
    collection: CollectionService
    privacy: PrivacyService
    covers: CoverFetcher
    images: ImageRenderer
    imports: ImportService
    linking: LinkingService
    provider_imports: ProviderImports
    import_runner: ImportRunner  # its ``notifier`` is set by the Discord client (cogs/link.py)
    accounts: AccountService
    artwork: ArtworkResolver

    leaderboards: LeaderboardService
    memberships: MembershipService
    server_duels: ServerDuelService

    @classmethod
    def build(cls, runtime: Runtime) -> "Services":
        rankers = RankerStore(sessions=runtime.sessions)
        covers = CoverFetcher(runtime.http)
        settings = runtime.settings
        spotify_catalog = None
        if settings.spotify_client_id and settings.spotify_client_secret:
            spotify_catalog = SpotifyCatalogClient(runtime.http, api_base_url=settings.spotify_api_base_url,
                                                   accounts_base_url=settings.spotify_accounts_base_url,
                                                   client_id=settings.spotify_client_id,
                                                   client_secret=settings.spotify_client_secret)
        artwork = ArtworkResolver(runtime.sessions, covers, spotify_catalog)
        tiles = TileStore(settings.tile_directory, settings.cover_tile_mb * 1_000_000)
        images = ImageRenderer(covers, artwork, ImageWorkers(settings.image_workers), tiles)
        # The two need each other: duels reschedule dead covers, each cover found gets its duel tile.
        artwork.prepare_tile = images.prepare_tile
        # Covers of newly imported albums are looked up as soon as an import stores them.
        provider_imports = ProviderImports(settings, runtime.sessions, runtime.http, runtime.secrets,
                                           on_stored=artwork.wake)
        runner = ImportRunner(provider_imports.run, on_stopped=provider_imports.mark_stopped)
        imports = ImportService(runtime.sessions, AotyClient(settings.aoty_base_url, min_interval=settings.aoty_min_interval),
                                on_stored=artwork.wake)
        leaderboards = LeaderboardService(runtime.sessions, runtime.settings.server_min_raters,
                                          runtime.settings.server_refresh_seconds)
        return cls(runtime=runtime, rankers=rankers,
                   leaderboards=leaderboards,
                   memberships=MembershipService(runtime.sessions, on_change=leaderboards.wake),
                   server_duels=ServerDuelService(runtime.sessions, runtime.settings.server_duel_minutes,
                                                  on_change=leaderboards.wake),
                   duels=DuelService(runtime.sessions, rankers),
                   collection=CollectionService(runtime.sessions, rankers),
                   privacy=PrivacyService(runtime.sessions, on_change=leaderboards.wake),
                   covers=covers, images=images, artwork=artwork,
                   imports=imports,
                   linking=LinkingService(runtime.settings, runtime.sessions, runtime.http, runtime.secrets),
                   provider_imports=provider_imports, import_runner=runner,
                   accounts=AccountService(runtime.sessions, rankers, runner))

    def start(self) -> None:
        """Background work that needs the running event loop."""
        self.artwork.start_sweeping()
        self.images.start()

    async def close(self) -> None:
        await self.rankers.close()
        await self.server_duels.stop()
        await self.leaderboards.stop()
        await self.artwork.close()
        await self.import_runner.stop()
        await self.covers.aclose()
        await self.images.close()
