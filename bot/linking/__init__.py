"""Linking Spotify and Last.fm accounts: OAuth state, encrypted credentials, the callback routes."""

from bot.linking.credentials import DatabaseTokenStore
from bot.linking.service import LINK_PROVIDERS, LinkingService, LinkResult, LinkStart, check_configured
from bot.linking.states import STATE_LIFETIME, ConsumedState, PendingLink, consume_state, create_state, state_hash

__all__ = [
    "LINK_PROVIDERS", "STATE_LIFETIME", "ConsumedState", "DatabaseTokenStore", "LinkResult", "LinkStart",
    "LinkingService", "PendingLink", "check_configured", "consume_state", "create_state", "state_hash",
]
