"""archive schema: posts, authors, terms, comments, quotes, import runs

Revision ID: 754614a5bb0c
Revises:
Create Date: 2026-11-21 05:42:20.779287

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '754614a5bb0c'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('authors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.Text(), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authors')),
    sa.UniqueConstraint('source', 'source_key', name=op.f('uq_authors_source_source_key'))
    )
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_table('terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taxonomy', sa.String(length=64), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('parent_slug', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms')),
    sa.UniqueConstraint('taxonomy', 'slug', name=op.f('uq_terms_taxonomy_slug'))
    )
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Enum('post', 'page', name='posttype', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('published', 'draft', 'pending', 'private', 'scheduled', 'deleted', name='poststatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('body_raw', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('comments_open', sa.Boolean(), nullable=False),
    sa.Column('is_sticky', sa.Boolean(), nullable=False),
    sa.Column('is_protected', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('source_url', sa.Text(), nullable=True),
    sa.Column('source_status', sa.String(length=32), nullable=True),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['authors.id'], name=op.f('fk_posts_author_id_authors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_posts_import_run_id_import_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('source', 'source_key', name=op.f('uq_posts_source_source_key'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_status_published_at', ['status', 'published_at'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('root_id', sa.BigInteger(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('comment', 'pingback', 'trackback', name='commentkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('approved', 'pending', 'hidden', 'spam', 'deleted', name='commentstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('author_name', sa.Text(), nullable=False),
    sa.Column('author_email', sa.Text(), nullable=True),
    sa.Column('author_url', sa.Text(), nullable=True),
    sa.Column('author_ip_hash', sa.String(length=64), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body_raw', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('source_url', sa.Text(), nullable=True),
    sa.Column('source_status', sa.String(length=32), nullable=True),
    sa.Column('source_parent_key', sa.Text(), nullable=True),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['authors.id'], name=op.f('fk_comments_author_id_authors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_comments_import_run_id_import_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_comments_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('source', 'source_key', name=op.f('uq_comments_source_source_key'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_post_parent', ['post_id', 'parent_id', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_post_status', ['post_id', 'status'], unique=False)
        batch_op.create_index('ix_comments_root', ['root_id'], unique=False)

    op.create_table('post_terms',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_terms_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], name=op.f('fk_post_terms_term_id_terms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'term_id', name=op.f('pk_post_terms'))
    )
    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_comment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_quotes_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_comment_id'], ['comments.id'], name=op.f('fk_quotes_source_comment_id_comments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_source_comment_id'), ['source_comment_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_source_comment_id'))
        batch_op.drop_index(batch_op.f('ix_quotes_comment_id'))

    op.drop_table('quotes')
    op.drop_table('post_terms')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_root')
        batch_op.drop_index('ix_comments_post_status')
        batch_op.drop_index('ix_comments_post_parent')

    op.drop_table('comments')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_status_published_at')

    op.drop_table('posts')
    op.drop_table('terms')
    op.drop_table('import_runs')
    op.drop_table('authors')

