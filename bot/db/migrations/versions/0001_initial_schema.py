"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-30
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from bot.db.types import UTCDateTime


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('album_merges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kept_album_id', sa.BigInteger(), nullable=False),
    sa.Column('merged_album_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_album_merges'))
    )
    op.create_table('albums',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('artists', sa.JSON(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('cover_url', sa.String(length=1000), nullable=True),
    sa.Column('cover_source', sa.String(length=32), nullable=True),
    sa.Column('cover_checked_at', UTCDateTime(), nullable=True),
    sa.Column('cover_candidates', sa.JSON(), nullable=False),
    sa.Column('cover_failures', sa.Integer(), nullable=False),
    sa.Column('spotify_id', sa.String(length=64), nullable=True),
    sa.Column('mbid', sa.String(length=64), nullable=True),
    sa.Column('aoty_url', sa.String(length=500), nullable=True),
    sa.Column('identity_key', sa.String(length=600), nullable=False),
    sa.Column('merged_into_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['merged_into_id'], ['albums.id'], name=op.f('fk_albums_merged_into_id_albums'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_albums')),
    sa.UniqueConstraint('mbid', name=op.f('uq_albums_mbid')),
    sa.UniqueConstraint('spotify_id', name=op.f('uq_albums_spotify_id'))
    )
    with op.batch_alter_table('albums', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_albums_identity_key'), ['identity_key'], unique=False)

    op.create_table('guilds',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('joined_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guilds'))
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('privacy', sa.String(length=16), nullable=False),
    sa.Column('ranking_version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint("privacy IN ('server', 'anonymous', 'private')", name=op.f('ck_users_privacy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_table('beliefs',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('album_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('mu', sa.Float(), nullable=False),
    sa.Column('sigma2', sa.Float(), nullable=False),
    sa.Column('comparisons', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], name=op.f('fk_beliefs_album_id_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_beliefs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'album_id', name=op.f('pk_beliefs'))
    )
    op.create_table('duels',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('album_a', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('album_b', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['album_a'], ['albums.id'], name=op.f('fk_duels_album_a_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['album_b'], ['albums.id'], name=op.f('fk_duels_album_b_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_duels_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duels'))
    )
    with op.batch_alter_table('duels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duels_user_id'), ['user_id'], unique=False)

    op.create_table('guild_members',
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('first_seen_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['guild_id'], ['guilds.id'], name=op.f('fk_guild_members_guild_id_guilds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_guild_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guild_id', 'user_id', name=op.f('pk_guild_members'))
    )
    with op.batch_alter_table('guild_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guild_members_user_id'), ['user_id'], unique=False)

    op.create_table('linked_accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('credentials', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('linked_at', UTCDateTime(), nullable=False),
    sa.Column('last_import_at', UTCDateTime(), nullable=True),
    sa.Column('import_state', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_linked_accounts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linked_accounts')),
    sa.UniqueConstraint('provider', 'external_id', name='provider_external'),
    sa.UniqueConstraint('user_id', 'provider', name='user_provider')
    )
    with op.batch_alter_table('linked_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linked_accounts_user_id'), ['user_id'], unique=False)

    op.create_table('oauth_states',
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('verifier', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('used_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_states_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('state_hash', name=op.f('pk_oauth_states'))
    )
    with op.batch_alter_table('oauth_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_states_user_id'), ['user_id'], unique=False)

    op.create_table('user_albums',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('album_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('aoty_score', sa.Float(), nullable=True),
    sa.Column('lastfm_playcount', sa.Integer(), nullable=True),
    sa.Column('spotify_saved_album', sa.Boolean(), nullable=False),
    sa.Column('spotify_saved_tracks', sa.Integer(), nullable=False),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.Column('added_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], name=op.f('fk_user_albums_album_id_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_albums_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'album_id', name=op.f('pk_user_albums'))
    )
    with op.batch_alter_table('user_albums', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_albums_album_id'), ['album_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('album_a', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('album_b', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('outcome', sa.String(length=4), nullable=False),
    sa.Column('duel_id', sa.String(length=24), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('undone_at', UTCDateTime(), nullable=True),
    sa.Column('void', sa.Boolean(), nullable=False),
    sa.CheckConstraint("outcome IN ('A', 'B', 'DRAW')", name=op.f('ck_votes_outcome')),
    sa.CheckConstraint('album_a <> album_b', name=op.f('ck_votes_distinct_albums')),
    sa.ForeignKeyConstraint(['album_a'], ['albums.id'], name=op.f('fk_votes_album_a_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['album_b'], ['albums.id'], name=op.f('fk_votes_album_b_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['duel_id'], ['duels.id'], name=op.f('fk_votes_duel_id_duels'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('duel_id', name=op.f('uq_votes_duel_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index('ix_votes_user_id_id', ['user_id', 'id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_user_id_id')

    op.drop_table('votes')
    with op.batch_alter_table('user_albums', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_albums_album_id'))

    op.drop_table('user_albums')
    with op.batch_alter_table('oauth_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_states_user_id'))

    op.drop_table('oauth_states')
    with op.batch_alter_table('linked_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linked_accounts_user_id'))

    op.drop_table('linked_accounts')
    with op.batch_alter_table('guild_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guild_members_user_id'))

    op.drop_table('guild_members')
    with op.batch_alter_table('duels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duels_user_id'))

    op.drop_table('duels')
    op.drop_table('beliefs')
    op.drop_table('users')
    op.drop_table('guilds')
    with op.batch_alter_table('albums', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_albums_identity_key'))

    op.drop_table('albums')
    op.drop_table('album_merges')

