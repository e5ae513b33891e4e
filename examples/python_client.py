#!/usr/bin/env python3
"""A troupe client in Python with only the standard library.

Submits jobs, long-polls them to the end, turns the API's errors into
exceptions, and honours Retry-After when the queue is full (429) or the
server is busy (503 too_many_connections):

    python3 examples/python_client.py http://127.0.0.1:8080 [TOKEN]

submits a few jobs and prints each one's outcome; import it to use
`Client` in your own code.
"""
import json
import sys
import time
import urllib.error
import urllib.request


class TroupeError(Exception):
    """An error answer: HTTP status, the API's code and message."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Client:
    def __init__(self, base_url, token=None, max_waits=30):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.max_waits = max_waits

    def _call(self, method, path, body=None, timeout=70):
        """One request; waits out Retry-After answers (429, 503) up to max_waits times."""
        data = None if body is None else json.dumps(body).encode()
        for _ in range(self.max_waits + 1):
            req = urllib.request.Request(self.base_url + path, data=data, method=method)
            req.add_header("Accept", "application/json")
            if data is not None:
                req.add_header("Content-Type", "application/json")
            if self.token:
                req.add_header("Authorization", "Bearer " + self.token)
            try:
                with urllib.request.urlopen(req, timeout=timeout) as res:
                    return json.load(res)
            except urllib.error.HTTPError as e:
                retry_after = e.headers.get("Retry-After")
                if e.code in (429, 503) and retry_after is not None:
                    time.sleep(float(retry_after))
                    continue
                try:
                    error = json.load(e)["error"]
                except (ValueError, KeyError):
                    error = {"code": "http_error", "message": e.reason}
                raise TroupeError(e.code, error["code"], error["message"]) from None
        raise TroupeError(429, "gave_up", f"still refused after {self.max_waits} waits")

    def submit(self, job_type, payload=None, **options):
        """Submits a job; options are priority, max_attempts, timeout_ms, delay_ms,
        idempotency_key. Returns the job as accepted."""
        return self._call("POST", "/v1/jobs", dict(type=job_type, payload=payload, **options))

    def get(self, job_id):
        return self._call("GET", f"/v1/jobs/{job_id}")

    def wait(self, job_id, poll_ms=30000):
        """Long-polls the job until it is success, failed or cancelled."""
        while True:
            job = self._call("GET", f"/v1/jobs/{job_id}?wait_ms={poll_ms}")
            if job["status"] in ("success", "failed", "cancelled"):
                return job

    def cancel(self, job_id):
        return self._call("DELETE", f"/v1/jobs/{job_id}")

    def stats(self):
        return self._call("GET", "/v1/stats")


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    client = Client(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    job = client.wait(client.submit("echo", {"hello": "python"})["id"])
    print("echo", job["status"], json.dumps(job["result"], sort_keys=True))
    failing = client.wait(client.submit("fail", {"message": "on purpose"}, max_attempts=1)["id"])
    print("fail", failing["status"], failing["error"])
    try:
        client.submit("no-such-type")
    except TroupeError as e:
        print("refused", e.status, e.code)
    # More sleeps than the queue may hold: full-queue answers are waited out.
    ids = [client.submit("sleep", {"ms": 100})["id"] for _ in range(6)]
    done = [client.wait(i)["status"] for i in ids]
    print("sleeps", " ".join(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
