"""A local HTTP server that answers like Moodle's Web Services REST endpoint, errors included.

It parses PHP bracket keys back into nested values (as PHP does), checks
the token and the function list of its "external service", and answers
Moodle's way: JSON with HTTP 200, errors as ``{"exception", "errorcode",
"message"}`` with HTTP 200 too. ``fail_next`` makes the next requests
answer 503 (to exercise retries).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def php_decode(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``users[0][id]=5`` → ``{"users": [{"id": "5"}]}`` (lists where every key is 0..n-1)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = [key.split("[", 1)[0], *re.findall(r"\[([^\]]*)\]", key)]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: listify(v) for k, v in node.items()}
            if node and all(k.isdigit() for k in node) and sorted(map(int, node)) == list(range(len(node))):
                return [node[str(i)] for i in range(len(node))]
        return node

    return listify(root)


class FakeMoodle:
    TOKEN = "ws-token-abc"

    def __init__(self) -> None:
        self.users: dict[int, dict[str, Any]] = {}
        self.cohorts: dict[int, dict[str, Any]] = {}
        self.members: dict[int, list[int]] = {}
        self.roles: set[tuple[int, int, str, int]] = set()  # (roleid, userid, contextlevel, instanceid)
        self.messages: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.functions = {"core_webservice_get_site_info", "core_user_get_users_by_field", "core_cohort_get_cohorts",
                          "core_cohort_get_cohort_members", "core_role_assign_roles", "core_role_unassign_roles",
                          "core_message_send_instant_messages", "core_group_get_course_groups",
                          "core_group_get_group_members"}
        self.groups: dict[int, dict[str, Any]] = {}
        """Group id → ``{"id", "courseid", "name"}``; ``group_members`` holds each one's user ids."""
        self.group_members: dict[int, list[int]] = {}
        self.fail_next = 0
        self.messaging_enabled = True
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()

    def user(self, user_id: int, first: str, last: str) -> int:
        self.users[user_id] = {"id": user_id, "username": f"{first.lower()}{user_id}", "firstname": first,
                               "lastname": last, "fullname": f"{first} {last}",
                               "email": f"{first.lower()}@uni.example", "idnumber": f"S{user_id}"}
        return user_id

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path != "/webservice/rest/server.php" or request.method != "POST":
            return Response("<html>404</html>", status=404)(environ, start_response)
        if self.fail_next:
            self.fail_next -= 1
            return Response("<html>Service Unavailable</html>", status=503)(environ, start_response)
        params = php_decode(list(request.form.items(multi=True)))
        function = params.pop("wsfunction", "")
        token = params.pop("wstoken", "")
        fmt = params.pop("moodlewsrestformat", "xml")
        if fmt != "json":
            return Response("<?xml version='1.0'?><RESPONSE/>", mimetype="application/xml")(environ, start_response)
        self.calls.append((function, params))
        body = self.dispatch(token, function, params)
        return Response(json.dumps(body), mimetype="application/json")(environ, start_response)

    @staticmethod
    def error(exception: str, errorcode: str, message: str) -> dict[str, Any]:
        return {"exception": exception, "errorcode": errorcode, "message": message}

    def dispatch(self, token: str, function: str, p: dict[str, Any]) -> Any:
        if token != self.TOKEN:
            return self.error("moodle_exception", "invalidtoken", "Invalid token - token not found")
        if function not in self.functions:
            return self.error("webservice_access_exception", "accessexception", "Access control exception")
        if function == "core_webservice_get_site_info":
            return {"sitename": "Test Moodle", "username": "mentorflow-bot", "userid": 2,
                    "functions": [{"name": f, "version": "2024042200"} for f in sorted(self.functions)]}
        if function == "core_user_get_users_by_field":
            if p.get("field") not in ("id", "idnumber", "username", "email"):
                return self.error("invalid_parameter_exception", "invalidparameter", "Invalid parameter value "
                                  "detected")
            wanted = {str(v) for v in p.get("values", [])}
            return [u for u in self.users.values() if str(u[p["field"]]) in wanted]
        if function == "core_cohort_get_cohorts":
            ids = [int(i) for i in p.get("cohortids", [])]
            return [c for i, c in self.cohorts.items() if not ids or i in ids]
        if function == "core_cohort_get_cohort_members":
            return [{"cohortid": int(i), "userids": self.members.get(int(i), [])} for i in p.get("cohortids", [])]
        if function == "core_group_get_course_groups":
            return [g for g in self.groups.values() if int(g["courseid"]) == int(p.get("courseid", 0))]
        if function == "core_group_get_group_members":
            return [{"groupid": int(i), "userids": self.group_members.get(int(i), [])} for i in p.get("groupids", [])]
        if function in ("core_role_assign_roles", "core_role_unassign_roles"):
            key = "assignments" if function == "core_role_assign_roles" else "unassignments"
            for item in p.get(key, []):
                if item.get("contextlevel") != "user" or "instanceid" not in item:
                    return self.error("invalid_parameter_exception", "invalidparameter", "Missing context")
                if int(item["userid"]) not in self.users or int(item["instanceid"]) not in self.users:
                    return self.error("dml_missing_record_exception", "invaliduser", "Invalid user")
                entry = (int(item["roleid"]), int(item["userid"]), "user", int(item["instanceid"]))
                (self.roles.add if key == "assignments" else self.roles.discard)(entry)
            return None
        if function == "core_message_send_instant_messages":
            out = []
            for m in p.get("messages", []):
                if not self.messaging_enabled:
                    return self.error("moodle_exception", "disabled", "Messaging is disabled on this site")
                ok = int(m["touserid"]) in self.users
                if ok:
                    self.messages.append(m)
                out.append({"msgid": len(self.messages) if ok else -1, "clientmsgid": m.get("clientmsgid"),
                            **({} if ok else {"errormessage": "User does not exist"})})
            return out
        raise AssertionError(function)
