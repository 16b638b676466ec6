"""One JSON object a line (LOG_FORMAT=json, the image's default), for a log collector to parse:
time, level, logger, message, the section's schema, the request id and, for an error, its
traceback. The handler's filters run first: the message and the traceback arrive redacted
(config.log.RedactingFilter), and nothing else of the record (its args, extra fields that a
caller passed) is written, so no personal data reaches the line through them either."""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "schema": getattr(record, "schema", "-"),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)
