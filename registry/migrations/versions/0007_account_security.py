"""accounts: user ids never reused on SQLite, a per-user session token, login lockout per
account and address

Revision ID: 0007_account_security
Revises: 0006
Create Date: 2026-12-07 16:15:00.000000

"""

import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_account_security"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    session_token = sa.Column("session_token", sa.String(length=64), nullable=False, server_default="")
    if op.get_bind().dialect.name == "sqlite":
        # AUTOINCREMENT only comes with a new table: the batch copy keeps every row and id
        # (env.py turns foreign keys off, so the tables pointing at "user" keep their rows)
        with op.batch_alter_table(
            "user", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch:
            batch.add_column(session_token)
    else:
        op.add_column("user", session_token)  # PostgreSQL sequences never hand an id out twice
    users = sa.table("user", sa.column("id", sa.Integer()), sa.column("session_token", sa.String()))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(24))
        )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
        sa.UniqueConstraint("email", "address", name=op.f("uq_login_attempt_email")),
    )


def downgrade():
    op.drop_table("login_attempt")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "user", recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ) as batch:
            batch.drop_column("session_token")
    else:
        op.drop_column("user", "session_token")
