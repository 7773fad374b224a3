"""moderation: moderators, flags, bans, log, locks, edit tokens

Revision ID: f996fce3432a
Revises: 032362adc801
Create Date: 2026-11-21 05:52:33.826122

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f996fce3432a'
down_revision = '032362adc801'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('moderation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('comment_id', sa.BigInteger(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_log'))
    )
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_log_comment', ['comment_id'], unique=False)
        batch_op.create_index('ix_moderation_log_created', ['created_at'], unique=False)
        batch_op.create_index('ix_moderation_log_post', ['post_id'], unique=False)
    _forbid_log_changes()

    op.create_table('moderators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderators')),
    sa.UniqueConstraint('name', name=op.f('uq_moderators_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_moderators_token_hash'))
    )
    op.create_table('bans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('name', 'email', 'email_domain', 'address', 'address_range', name='bankind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['moderators.id'], name=op.f('fk_bans_created_by_moderators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lifted_by'], ['moderators.id'], name=op.f('fk_bans_lifted_by_moderators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_bans_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bans'))
    )
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.create_index('ix_bans_kind_value', ['kind', 'value'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.Enum('spam', 'abuse', 'off_topic', 'other', name='flagreason', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_flags_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
    sa.UniqueConstraint('comment_id', 'client_hash', name=op.f('uq_flags_comment_id_client_hash'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_resolved_at'), ['resolved_at'], unique=False)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('edit_token_hash', sa.String(length=64), nullable=True))

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True))




def downgrade():

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('locked_at')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('edit_token_hash')
        batch_op.drop_column('locked_at')

    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flags_resolved_at'))

    op.drop_table('flags')
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.drop_index('ix_bans_kind_value')

    op.drop_table('bans')
    op.drop_table('moderators')
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_log_post')
        batch_op.drop_index('ix_moderation_log_created')
        batch_op.drop_index('ix_moderation_log_comment')

    _allow_log_changes()
    op.drop_table('moderation_log')



# The moderation log is append-only: the database itself refuses updates and deletes.
def _forbid_log_changes():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION moderation_log_is_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the moderation log is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER moderation_log_append_only BEFORE UPDATE OR DELETE ON moderation_log "
            "FOR EACH ROW EXECUTE FUNCTION moderation_log_is_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER moderation_log_no_{event.lower()} BEFORE {event} ON moderation_log "
                "BEGIN SELECT RAISE(ABORT, 'the moderation log is append-only'); END"
            )


def _allow_log_changes():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER moderation_log_append_only ON moderation_log")
        op.execute("DROP FUNCTION moderation_log_is_append_only()")
    else:
        op.execute("DROP TRIGGER moderation_log_no_update")
        op.execute("DROP TRIGGER moderation_log_no_delete")
