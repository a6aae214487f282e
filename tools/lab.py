"""JupyterLab on the learner's workspace: ``python -m tools.lab [JupyterLab options]`` (run by ``make lab``).

Copies the exercises the workspace lacks (tools.workspace), then starts JupyterLab at the course's
root with the published notebooks (``chapters/`` and ``solutions/``) read-only: JupyterLab shows
them with a lock and never saves them, so opening, reading or running one changes no file that
``make test`` checks. *File › Save Notebook As…* into ``work/`` keeps a copy of one's own.
"""

import sys

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado.web import HTTPError

from tools import workspace

PUBLISHED = ("chapters", "solutions")
READ_ONLY_REASON = (
    "{path} is a published notebook and opens read-only, so that `make test` keeps passing. "
    "To keep your own version, use File › Save Notebook As… and save it into work/."
)


def is_published(path: str) -> bool:
    """True for a path (relative to the course's root, as Jupyter gives it) inside chapters/ or solutions/."""
    return path.strip("/").split("/")[0] in PUBLISHED


class PublishedReadOnly(AsyncLargeFileManager):
    """Jupyter's file manager, but for the published notebooks: shown read-only, never written, renamed or deleted."""

    async def get(self, path, content=True, type=None, format=None, require_hash=False):
        """The model Jupyter would give, marked not writable for a published file."""
        model = await super().get(path, content=content, type=type, format=format, require_hash=require_hash)
        if is_published(path) and model["type"] != "directory":
            model["writable"] = False  # JupyterLab then shows a lock, skips autosave and offers "Save As…"
        return model

    async def save(self, model, path=""):
        """Save anywhere but over a published file."""
        self._refuse_published(path)
        return await super().save(model, path)

    async def delete_file(self, path):
        """Delete anything but a published file."""
        self._refuse_published(path)
        return await super().delete_file(path)

    async def rename_file(self, old_path, new_path):
        """Rename anything but a published file, and nothing onto one."""
        self._refuse_published(old_path)
        self._refuse_published(new_path)
        return await super().rename_file(old_path, new_path)

    def _refuse_published(self, path: str) -> None:
        """Raise Jupyter's 403 with the reason and the way out, for a path inside chapters/ or solutions/."""
        if is_published(path):
            raise HTTPError(403, READ_ONLY_REASON.format(path=path.strip("/")))


def main(argv=None) -> int:
    """Prepare the workspace, then run JupyterLab on it with the published notebooks read-only."""
    workspace.main([])
    from jupyterlab.labapp import LabApp  # imported late: the workspace is ready even if JupyterLab fails to start

    options = [
        "--ServerApp.root_dir=.",
        "--LabApp.default_url=/lab/tree/work",
        "--ServerApp.contents_manager_class=tools.lab.PublishedReadOnly",
    ]
    LabApp.launch_instance(argv=options + list(sys.argv[1:] if argv is None else argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
