"""The lot database's tables (SQLAlchemy 2 declarative models).

lot 1-n sample n-n analysis (through ``sample_analysis``) n-1 image; lot 1-n lab measurement;
spec 1-n spec version; lot 1-n verdict n-1 spec version; audit events name their lot.
An analysis is immutable and unique on (image sha256, config hash, semscan version): the
ORM refuses to update or delete one, and attaching it again is a no-op. Times are naive UTC.
The Alembic migrations in ``migrations/versions`` create exactly these tables (a test
compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from semscan.errors import LotError

__all__ = ["Analysis", "AuditEvent", "Base", "Image", "LabMeasurement", "Lot", "Sample",
           "SampleAnalysis", "Spec", "SpecVersion", "Verdict", "utcnow"]

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}


def utcnow() -> datetime:
    """Now, as naive UTC (how every time is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Lot(Base):
    __tablename__ = "lot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    product: Mapped[str | None] = mapped_column(String(200))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    samples: Mapped[list[Sample]] = relationship(back_populates="lot", order_by="Sample.id")


class Sample(Base):
    __tablename__ = "sample"
    __table_args__ = (UniqueConstraint("lot_id", "name", name="uq_sample_lot_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: the sample's row of samples.csv (R, pooled d ...) from the last attach
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lot: Mapped[Lot] = relationship(back_populates="samples")


class Image(Base):
    __tablename__ = "image"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(Text)


class Analysis(Base):
    __tablename__ = "analysis"
    __table_args__ = (UniqueConstraint("image_id", "config_hash", "semscan_version",
                                       name="uq_analysis_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("image.id"), index=True)
    config_hash: Mapped[str] = mapped_column(String(64))
    semscan_version: Mapped[str] = mapped_column(String(40))
    view: Mapped[str | None] = mapped_column(String(40))
    row: Mapped[dict[str, Any]] = mapped_column(JSON)  # the results.csv row
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON)  # folder, run.json, versions
    overlay: Mapped[str | None] = mapped_column(Text)  # absolute path when attached
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    image: Mapped[Image] = relationship()


class SampleAnalysis(Base):
    __tablename__ = "sample_analysis"
    sample_id: Mapped[int] = mapped_column(ForeignKey("sample.id", ondelete="CASCADE"),
                                           primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analysis.id"), primary_key=True)
    attached_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attached_by: Mapped[str] = mapped_column(String(200))


class LabMeasurement(Base):
    __tablename__ = "lab_measurement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class Spec(Base):
    __tablename__ = "spec"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    versions: Mapped[list[SpecVersion]] = relationship(back_populates="spec",
                                                       order_by="SpecVersion.version")


class SpecVersion(Base):
    __tablename__ = "spec_version"
    __table_args__ = (UniqueConstraint("spec_id", "version", name="uq_spec_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spec_id: Mapped[int] = mapped_column(ForeignKey("spec.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    spec: Mapped[Spec] = relationship(back_populates="versions")


class Verdict(Base):
    __tablename__ = "verdict"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    spec_version_id: Mapped[int] = mapped_column(ForeignKey("spec_version.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    analysis_ids: Mapped[list[int]] = mapped_column(JSON)  # what was judged
    semscan_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    spec_version: Mapped[SpecVersion] = relationship()


class AuditEvent(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id", ondelete="SET NULL"),
                                               index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def _immutable(mapper: Any, connection: Any, target: Any) -> None:
    raise LotError(f"{type(target).__name__} {target.id} is immutable (a record the lot's "
                   "audit relies on); attach a new analysis or add a new verdict instead")


for _cls in (Analysis, Verdict, AuditEvent, SpecVersion):
    event.listen(_cls, "before_update", _immutable)
    event.listen(_cls, "before_delete", _immutable)
