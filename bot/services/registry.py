"""The use cases the cogs call, built once from the runtime's shared resources."""

from __future__ import annotations

from dataclasses import dataclass

from bot.images import CoverFetcher
from bot.sources.aoty import AotyClient
from bot.runtime import Runtime
from bot.services.collection import CollectionService
from bot.services.duels import DuelService
from bot.services.imports import ImportService
from bot.services.privacy import PrivacyService
from bot.services.rankers import RankerStore
from bot.services.renders import ImageRenderer


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

    @classmethod
    def build(cls, runtime: Runtime) -> "Services":
        rankers = RankerStore()
        covers = CoverFetcher(runtime.http)
        return cls(runtime=runtime, rankers=rankers, duels=DuelService(runtime.sessions, rankers),
                   collection=CollectionService(runtime.sessions, rankers), privacy=PrivacyService(runtime.sessions),
                   covers=covers, images=ImageRenderer(covers),
                   imports=ImportService(runtime.sessions, AotyClient(runtime.settings.aoty_base_url,
                                                                         min_interval=runtime.settings.aoty_min_interval)))

    async def close(self) -> None:
        await self.covers.aclose()
