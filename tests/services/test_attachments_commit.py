"""An attachment's file is deleted only once the deletion is committed (issue 17): a commit that
fails, or a rollback, leaves the row and its file together."""

from __future__ import annotations

import io

from registry.extensions import db
from registry.models import Attachment
from registry.services import attachments, catalogue, privacy
from tests.accounts_helpers import PASSWORD, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _stored(ctx, innovation_data):
    owner = make_user("instansi@example.org")
    row = catalogue.create(innovation_data(), actor=owner)
    row.owner_id = owner.id
    attachment = attachments.add(row, io.BytesIO(PNG), "foto.png", actor=owner)
    db.session.commit()
    return owner, attachment


def test_the_file_stays_until_the_commit(ctx, innovation_data):
    _, attachment = _stored(ctx, innovation_data)
    path, attachment_id = attachments.path_of(attachment), attachment.id
    attachments.remove(attachment)
    assert path.is_file()  # flushed, not committed: the file is still there
    db.session.rollback()  # the commit failed (or the edge gave up)
    assert path.is_file() and db.session.get(Attachment, attachment_id) is not None
    attachments.remove(db.session.get_one(Attachment, attachment_id))
    with db.session.begin_nested():  # a savepoint's end is not the commit
        pass
    assert path.is_file()
    db.session.commit()
    assert not path.exists() and db.session.get(Attachment, attachment_id) is None


def test_account_deletion_keeps_files_when_it_rolls_back(ctx, innovation_data):
    owner, attachment = _stored(ctx, innovation_data)
    path = attachments.path_of(attachment)
    privacy.delete_account(owner, PASSWORD)
    assert path.is_file()
    db.session.rollback()
    assert path.is_file()


def test_a_rolled_back_savepoint_keeps_its_file(ctx, innovation_data):
    _, attachment = _stored(ctx, innovation_data)
    path, attachment_id = attachments.path_of(attachment), attachment.id
    savepoint = db.session.begin_nested()  # e.g. one row of an import that fails
    attachments.remove(attachment)
    savepoint.rollback()
    db.session.commit()
    assert path.is_file() and db.session.get(Attachment, attachment_id) is not None


def test_a_file_written_for_an_upload_that_rolls_back_is_removed(ctx, innovation_data):
    owner = make_user("instansi@example.org")
    row = catalogue.create(innovation_data(), actor=owner)
    row.owner_id = owner.id
    db.session.commit()
    upload = io.BytesIO(PNG)
    attachment = attachments.add(row, upload, "foto.png", actor=owner)
    path = attachments.path_of(attachment)
    assert path.is_file()
    db.session.rollback()  # a lock conflict, or a validation error after the upload
    assert not path.exists()
    # the view runs again with the same upload, already read once: it is read from the start
    again = attachments.add(db.session.merge(row), upload, "foto.png", actor=owner)
    db.session.commit()
    assert attachments.path_of(again).is_file()
