# generates events/*.json in the shape `sam local generate-event apigateway http-api-proxy` makes
# usage: python3 tools/api_events.py
import json, base64, os
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'events', 'api')
os.makedirs(out, exist_ok=True)
def event(name, method, path, body=None, token='${TOKEN}', query='', headers=None, b64=False, cookies=False, encoded=False):
    h = {"accept": "application/json", "content-type": "application/json", "host": "abc123.execute-api.us-east-1.amazonaws.com",
         "user-agent": "python-requests/2.32.3", "x-amzn-trace-id": "Root=1-5e723db6-9b2ac8c0f4e7d3b0a1c2d3e4",
         "x-forwarded-for": "203.0.113.7", "x-forwarded-port": "443", "x-forwarded-proto": "https"}
    if token is not None:
        h["authorization"] = "Token " + token
    if headers: h.update(headers)
    if body is None:
        del h["content-type"]
    qsp = {}
    if query:
        for pair in query.split('&'):
            k, _, v = pair.partition('=')
            qsp[k] = qsp[k] + ',' + v if k in qsp else v
    e = {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query}
    if cookies: e["cookies"] = ["session=abc; theme=dark"]
    e["headers"] = h
    if qsp: e["queryStringParameters"] = qsp
    e["requestContext"] = {"accountId": "123456789012", "apiId": "abc123", "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "abc123", "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
        "userAgent": "python-requests/2.32.3"}, "requestId": "JKJaXmPLvHcESHA=", "routeKey": "$default", "stage": "$default",
        "time": "25/Nov/2026:18:00:00 +0000", "timeEpoch": 1795629600000}
    if body is not None:
        text = body if isinstance(body, str) else json.dumps(body, indent=None)
        # encoded: the body is already base64 (a placeholder for binary content)
        e["body"] = base64.b64encode(text.encode()).decode() if b64 and not encoded else text
    e["isBase64Encoded"] = b64 or encoded
    with open(f'{out}/{name}.json', 'w') as f:
        json.dump(e, f, indent=2); f.write('\n')

rec = [{"_id": "shirt-1", "_base64": "${IMAGE_BASE64}"}]
flow_def = {"name": "Garments", "description": "classify garments", "top_node": {"type": "recognition", "id": "garment",
            "task": "${TASK_ID}", "output_field": "garment"}}
event("process-flow", "POST", "/flows/v2/process", {"flow": "${FLOW_ID}", "records": rec})
event("list-flows", "GET", "/flows/v2/flow/")
event("list-flows-paginated", "GET", "/flows/v2/flow/", query="page=2&page_size=1")
event("create-flow", "POST", "/flows/v2/flow/", flow_def)
event("get-flow", "GET", "/flows/v2/flow/${FLOW_ID}")
event("get-flow-trailing-slash", "GET", "/flows/v2/flow/${FLOW_ID}/")
event("replace-flow", "PUT", "/flows/v2/flow/${FLOW_ID}", dict(flow_def, name="Garments v2"))
event("update-flow", "PATCH", "/flows/v2/flow/${FLOW_ID}", {"description": "patched"})
event("delete-flow", "DELETE", "/flows/v2/flow/${FLOW_ID}")
event("get-flow-json", "GET", "/flows/v2/flow/${FLOW_ID}/json")
event("create-recognition-task", "POST", "/recognition/v2/task/", {"name": "garment", "labels": ["Pants", "Shirt"],
      "backend": {"kind": "http", "url": "${MODEL_URL}/classify"}})
event("create-detection-task", "POST", "/detection/v2/task/", {"name": "people", "labels": [{"name": "person"}],
      "backend": {"kind": "http", "url": "${MODEL_URL}/detect"}})
event("classify", "POST", "/recognition/v2/classify", {"task": "${TASK_ID}", "records": rec})
event("detect", "POST", "/detection/v2/detect", {"task_id": "${DETECTION_TASK_ID}", "records": rec, "keep_prob": 0.3})
event("create-async-request", "POST", "/account/v2/request/", {"type": "flows", "flow": "${FLOW_ID}", "records": rec})
event("get-async-request", "GET", "/account/v2/request/${REQUEST_ID}")
event("get-async-request-status", "GET", "/account/v2/request/${REQUEST_ID}/status")
event("list-async-requests", "GET", "/account/v2/request/", query="type=flows&page_size=5")
event("authorize", "POST", "/authorization/v2/authorize", {"service": "flows"}, cookies=True)
event("usage", "GET", "/account/v2/usage")
# error cases
event("error-no-token", "GET", "/flows/v2/flow/", token=None)
event("error-bad-token", "GET", "/flows/v2/flow/", token="not-a-token-of-anyone")
event("error-malformed-json", "POST", "/flows/v2/process", '{"flow": "${FLOW_ID}", "records": [')
event("error-unknown-flow", "POST", "/flows/v2/process", {"flow": "no-such-flow", "records": rec})
event("error-eleven-records", "POST", "/flows/v2/process", {"flow": "${FLOW_ID}",
      "records": [{"_id": f"r{i}", "_base64": "${IMAGE_BASE64}"} for i in range(11)]})
event("authorize-base64-body", "POST", "/authorization/v2/authorize", {"service": "flows"}, b64=True)
event("upload-model", "POST", "/models/v2/model/", "${MODEL_BASE64}", headers={"content-type": "application/octet-stream"},
      encoded=True)
event("flow-builder", "GET", "/", token=None)
