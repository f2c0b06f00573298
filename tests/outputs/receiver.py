"""A test receiver for ctiflow's HTTP outputs on 127.0.0.1.

Records every request it accepts as one JSON line (method, path, headers it
cares about, body) in LOG. Answers like the real thing: a webhook gets 200,
a TAXII collection 202 with a status resource (GET /<root>/status/<id>/
reports it complete, or failed for objects whose id is listed in the file
REFUSE, by id or type), MISP /events/edit/<uuid> 404 until that uuid was added. Requests
without `Authorization`/`X-API-Key` equal to KEY get 401 (KEY empty: no
check). Listens on $PORT (default: any free port) and prints "port N".
usage: receiver.py LOG KEY [REFUSE]
"""
import http.server
import json
import os
import sys
import uuid

LOG, KEY = sys.argv[1], sys.argv[2]
REFUSE = set(open(sys.argv[3]).read().split()) if len(sys.argv) > 3 else set()
STATUS = {}
MISP_EVENTS = set()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, obj, ctype="application/json"):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorised(self):
        if not KEY:
            return True
        given = [self.headers.get("X-API-Key"), self.headers.get("Authorization")]
        if KEY in given or "Bearer " + KEY in given:
            return True
        self.answer(401, {"message": "invalid API key"})
        return False

    def do_GET(self):
        if not self.authorised():
            return
        if "/status/" in self.path:
            sid = self.path.rstrip("/").rsplit("/", 1)[1]
            self.answer(200, STATUS.get(sid, {}), "application/taxii+json;version=2.1")
        else:
            self.answer(404, {"message": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        if not self.authorised():
            return
        rec = {"method": "POST", "path": self.path,
               "content_type": self.headers.get("Content-Type"), "body": json.loads(body)}
        if "/events/edit/" in self.path:
            if self.path.rsplit("/", 1)[1] not in MISP_EVENTS:
                self.answer(404, {"message": "Invalid event"})
                return
        if self.path.endswith("/events/add"):
            MISP_EVENTS.add(rec["body"]["Event"]["uuid"])
        with open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if self.path.endswith("/objects/"):
            objs = rec["body"].get("objects", [])
            bad = [o["id"] for o in objs if o["id"] in REFUSE or o["type"] in REFUSE]
            sid = str(uuid.uuid4())
            STATUS[sid] = {
                "id": sid, "status": "complete", "total_count": len(objs),
                "success_count": len(objs) - len(bad), "failure_count": len(bad),
                "pending_count": 0,
                "failures": [{"id": i, "message": "refused by policy"} for i in bad]}
            first = dict(STATUS[sid], status="pending", success_count=0, failure_count=0,
                         pending_count=len(objs), failures=[])
            self.answer(202, first, "application/taxii+json;version=2.1")
        else:
            self.answer(200, {"saved": True})


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "0"))), Handler)
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()
