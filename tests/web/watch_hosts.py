"""Host helpdesks written the ways real ones are, for the watch tests.

Each ``make_*`` builds a fresh set of models on its own declarative base, so a
test gets its own classes (and its own listeners) and nothing leaks between tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker


@dataclass
class Host:
    """A host's models and session factory."""

    Base: Any
    Status: Any
    User: Any
    Ticket: Any
    Post: Any
    Session: Any
    engine: Any


def make_host(url: str, *, string_ids: bool = False) -> Host:
    """Status as a related row, naive timestamps, an ``is_agent`` flag on users.

    ``string_ids``: tickets keyed by a string ("INC-1") instead of an integer.
    """

    class Base(DeclarativeBase):
        pass

    class Status(Base):
        __tablename__ = "host_statuses"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(40))

    class User(Base):
        __tablename__ = "host_users"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(80))
        is_agent: Mapped[bool] = mapped_column(Boolean, default=False)

    key_type: Any = String(20) if string_ids else Integer

    class Ticket(Base):
        __tablename__ = "host_tickets"
        id: Mapped[Any] = mapped_column(key_type, primary_key=True)
        subject: Mapped[str] = mapped_column(String(200))
        status_id: Mapped[int] = mapped_column(ForeignKey("host_statuses.id"))
        status: Mapped[Status] = relationship()
        priority: Mapped[str] = mapped_column(String(20), default="normal")
        team: Mapped[str | None] = mapped_column(String(40), nullable=True)
        requester_id: Mapped[int] = mapped_column(ForeignKey("host_users.id"))
        requester: Mapped[User] = relationship()
        # Naive local time, as many helpdesks store it.
        opened_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        posts: Mapped[list[Post]] = relationship(back_populates="ticket")

    class Post(Base):
        __tablename__ = "host_posts"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        ticket_id: Mapped[Any] = mapped_column(ForeignKey("host_tickets.id"))
        ticket: Mapped[Ticket] = relationship(back_populates="posts")
        author_id: Mapped[int] = mapped_column(ForeignKey("host_users.id"))
        author: Mapped[User] = relationship()
        internal: Mapped[bool] = mapped_column(Boolean, default=False)
        written_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        body: Mapped[str] = mapped_column(String(2000), default="")

    engine = create_engine(url)
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        session.add_all([Status(id=1, name="new"), Status(id=2, name="open"), Status(id=3, name="pending")])
        session.add_all([Status(id=4, name="solved")])
        session.add_all([User(id=1, name="Dana"), User(id=2, name="Agent Ann", is_agent=True)])
    return Host(Base, Status, User, Ticket, Post, factory, engine)


WATCH = {
    "status": "status.name",
    "priority": "priority",
    "requester": "requester_id",
    "group": "team",
    "created_at": "opened_at",
    "changed_at": "updated_at",
    "reply_ticket": "ticket_id",
    "reply_at": "written_at",
    "reply_author": "author_id",
    "reply_internal": "internal",
}
