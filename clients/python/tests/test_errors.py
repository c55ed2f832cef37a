"""The bus's error answers of every protocol become the same typed exceptions."""

import json
import unittest

from jimbot_bus import errors


class ErrorMappingTest(unittest.TestCase):
    def test_rest_answers(self):
        body = json.dumps({"status": "error", "error": "No event at offset 9",
                           "details": [{"offset": 9}]}).encode()
        err = errors.error_from_http(404, body)
        self.assertIsInstance(err, errors.NotFoundError)
        self.assertEqual((err.kind, err.status, err.details), ("not_found", 404, [{"offset": 9}]))
        self.assertEqual(str(err), "No event at offset 9")
        busy = errors.error_from_http(429, b'{"status":"error","error":"saturated"}', "1")
        self.assertIsInstance(busy, errors.OverLimitError)
        self.assertEqual(busy.retry_after_s, 1.0)
        self.assertIsInstance(errors.error_from_http(413, b"not json"), errors.TooLargeError)
        self.assertIsInstance(errors.error_from_http(503, b""), errors.NotReadyError)

    def test_connect_and_mlflow_answers(self):
        err = errors.error_from_connect(404, b'{"code":"not_found","message":"no limiter"}')
        self.assertEqual((type(err), err.kind), (errors.NotFoundError, "not_found"))
        err = errors.error_from_mlflow(
            400, b'{"error_code":"RESOURCE_ALREADY_EXISTS","message":"exists"}')
        self.assertIsInstance(err, errors.AlreadyExistsError)
        self.assertEqual(err.error_code, "RESOURCE_ALREADY_EXISTS")
        # A REST helper that meets an MLflow body reads it as one.
        self.assertIsInstance(errors.error_from_http(
            404, b'{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"x"}'), errors.NotFoundError)
        self.assertTrue(issubclass(errors.NotFoundError, errors.BusError))


if __name__ == "__main__":
    unittest.main()
