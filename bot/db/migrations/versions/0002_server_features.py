"""server leaderboards, server duels and their ranking

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from bot.db.types import UTCDateTime


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_album_ratings',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('album_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rating', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], name=op.f('fk_member_album_ratings_album_id_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_album_ratings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'album_id', name=op.f('pk_member_album_ratings'))
    )
    with op.batch_alter_table('member_album_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_album_ratings_album_id'), ['album_id'], unique=False)

    op.create_table('member_rating_versions',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_rating_versions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_member_rating_versions'))
    )
    op.create_table('server_album_scores',
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('album_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('raters', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], name=op.f('fk_server_album_scores_album_id_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guild_id'], ['guilds.id'], name=op.f('fk_server_album_scores_guild_id_guilds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guild_id', 'album_id', name=op.f('pk_server_album_scores'))
    )
    with op.batch_alter_table('server_album_scores', schema=None) as batch_op:
        batch_op.create_index('ix_server_album_scores_guild_position', ['guild_id', 'position'], unique=False)

    op.create_table('server_boards',
    sa.Column('guild_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('wanted', sa.Integer(), nullable=False),
    sa.Column('built', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['guild_id'], ['guilds.id'], name=op.f('fk_server_boards_guild_id_guilds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guild_id', name=op.f('pk_server_boards'))
    )
    op.create_table('server_duel_beliefs',
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('album_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('mu', sa.Float(), nullable=False),
    sa.Column('sigma2', sa.Float(), nullable=False),
    sa.Column('rating', sa.Float(), nullable=False),
    sa.Column('duels', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], name=op.f('fk_server_duel_beliefs_album_id_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guild_id'], ['guilds.id'], name=op.f('fk_server_duel_beliefs_guild_id_guilds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guild_id', 'album_id', name=op.f('pk_server_duel_beliefs'))
    )
    op.create_table('server_duels',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('album_a', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('album_b', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('closes_at', UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=True),
    sa.Column('votes_a', sa.Integer(), nullable=False),
    sa.Column('votes_b', sa.Integer(), nullable=False),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.CheckConstraint('album_a <> album_b', name=op.f('ck_server_duels_distinct_albums')),
    sa.ForeignKeyConstraint(['album_a'], ['albums.id'], name=op.f('fk_server_duels_album_a_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['album_b'], ['albums.id'], name=op.f('fk_server_duels_album_b_albums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guild_id'], ['guilds.id'], name=op.f('fk_server_duels_guild_id_guilds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_server_duels'))
    )
    with op.batch_alter_table('server_duels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_server_duels_guild_id'), ['guild_id'], unique=False)
        batch_op.create_index('ix_server_duels_state_closes_at', ['state', 'closes_at'], unique=False)

    op.create_table('server_duel_votes',
    sa.Column('duel_id', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('choice', sa.String(length=4), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('changed_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint("choice IN ('A', 'B')", name=op.f('ck_server_duel_votes_choice')),
    sa.ForeignKeyConstraint(['duel_id'], ['server_duels.id'], name=op.f('fk_server_duel_votes_duel_id_server_duels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_server_duel_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('duel_id', 'user_id', name=op.f('pk_server_duel_votes'))
    )


def downgrade() -> None:
    op.drop_table('server_duel_votes')
    with op.batch_alter_table('server_duels', schema=None) as batch_op:
        batch_op.drop_index('ix_server_duels_state_closes_at')
        batch_op.drop_index(batch_op.f('ix_server_duels_guild_id'))

    op.drop_table('server_duels')
    op.drop_table('server_duel_beliefs')
    op.drop_table('server_boards')
    with op.batch_alter_table('server_album_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_server_album_scores_guild_position')

    op.drop_table('server_album_scores')
    op.drop_table('member_rating_versions')
    with op.batch_alter_table('member_album_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_album_ratings_album_id'))

    op.drop_table('member_album_ratings')
