-- wrk script: submit an echo job with every request.
wrk.method = "POST"
wrk.body = '{"type":"echo","payload":{"n":1}}'
wrk.headers["Content-Type"] = "application/json"
