"""TensorBoard's own backend, in-process, on a log directory: the HParams plugin's JSON
routes as the dashboard calls them (``/data/plugin/hparams/experiment`` and
``/data/plugin/hparams/session_groups``), and the scalar/text/image tags it serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tensorboard import default, program
from tensorboard.backend import application
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.backend.event_processing.data_provider import MultiplexerDataProvider
from werkzeug.test import Client


class TensorBoardAPI:
    """A TensorBoard WSGI app (the default plugins) over ``logdir``, read once."""

    def __init__(self, logdir: Path) -> None:
        board = program.TensorBoard(plugins=default.get_plugins())
        board.configure(logdir=str(logdir), load_fast="false")
        multiplexer = plugin_event_multiplexer.EventMultiplexer()
        multiplexer.AddRunsFromDirectory(str(logdir))
        multiplexer.Reload()
        app = application.TensorBoardWSGIApp(
            board.flags, board.plugin_loaders,
            MultiplexerDataProvider(multiplexer, str(logdir)), None, multiplexer,
        )  # fmt: skip
        self.client = Client(app)

    def post(self, route: str, request: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(route, data=json.dumps(request),
                                    content_type="application/json")  # fmt: skip
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.loads(response.get_data(as_text=True))

    def get(self, route: str) -> Any:
        response = self.client.get(route)
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.loads(response.get_data(as_text=True))

    def experiment(self) -> dict[str, Any]:
        """The HParams experiment: ``hparamInfos`` (the columns) and ``metricInfos``."""
        return self.post("/data/plugin/hparams/experiment", {"experimentName": ""})

    def session_groups(self, experiment: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Each session (a run, by its folder under the log directory): its row's
        ``hparams``, ``metricValues`` by tag, its sessions' ``status`` and ``group``, the
        row's name (its Trial ID: `mia_defense.tracking.hparams.trial_name`, or the
        session's own name), as the dashboard asks for them (every column included, every
        status allowed)."""
        cols = [{"hparam": h["name"], "includeInResult": True}
                for h in experiment["hparamInfos"]]  # fmt: skip
        cols += [{"metric": m["name"], "includeInResult": True}
                 for m in experiment.get("metricInfos", [])]  # fmt: skip
        response = self.post("/data/plugin/hparams/session_groups", {
            "experimentName": "", "colParams": cols, "startIndex": 0, "sliceSize": 1000,
            "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE",
                                "STATUS_RUNNING"],
        })  # fmt: skip
        return {
            session["name"]: {
                "hparams": group.get("hparams", {}),
                "metrics": {m["name"]["tag"]: m["value"] for m in group.get("metricValues", [])},
                "status": [s.get("status") for s in group["sessions"]],
                "group": group["name"],
            }
            for group in response.get("sessionGroups", [])
            for session in group["sessions"]
        }

    def tags(self, plugin: str) -> dict[str, list[str]]:
        """Run -> the tags a plugin (``scalars``, ``text``, ``images``, ``histograms``) serves."""
        return {run: sorted(tags) for run, tags in self.get(f"/data/plugin/{plugin}/tags").items()}
