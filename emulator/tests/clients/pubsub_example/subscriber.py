"""A Pub/Sub API subscriber that behaves like Salesforce's example client (see README.md):
SOAP login read by position, stubs generated from the published proto, semaphore-driven
FetchRequests, Apache Avro decoding, bitmaps decoded with bitstring.

    python subscriber.py --proto pubsub_api.proto --url http://127.0.0.1:8765 \\
        --username U --password PW+TOKEN \\
        --grpc 127.0.0.1:8766 --topic /data/LeadChangeEvent --replay-type EARLIEST \\
        [--replay-id HEX] [--num-requested 2] --count 3 [--timeout 30]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.resources
import io
import json
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import avro.io
import avro.schema
import grpc
import requests
from bitstring import BitArray


def generated_stubs(proto: Path) -> tuple[Any, Any]:
    """``pubsub_api_pb2`` and ``pubsub_api_pb2_grpc``, generated now from the published proto
    into a temporary folder (the example imports them by these names)."""
    from grpc_tools import protoc

    out = Path(tempfile.mkdtemp(prefix="pubsub-example-"))
    (out / "pubsub_api.proto").write_text(proto.read_text())
    includes = importlib.resources.files("grpc_tools") / "_proto"
    code = protoc.main(
        [
            "protoc",
            f"-I{out}",
            f"-I{includes}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            str(out / "pubsub_api.proto"),
        ]
    )
    if code != 0:
        raise SystemExit(f"protoc failed ({code})")
    sys.path.insert(0, str(out))
    return importlib.import_module("pubsub_api_pb2"), importlib.import_module("pubsub_api_pb2_grpc")


def soap_login(url: str, username: str, password: str, api_version: str) -> tuple[str, ...]:
    """``(instance url, session id, org id)``, read by position as the example reads them."""
    envelope = (
        "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/' "
        "xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' "
        "xmlns:urn='urn:partner.soap.sforce.com'><soapenv:Body><urn:login>"
        f"<urn:username><![CDATA[{username}]]></urn:username>"
        f"<urn:password><![CDATA[{password}]]></urn:password>"
        "</urn:login></soapenv:Body></soapenv:Envelope>"
    )
    res = requests.post(
        f"{url}/services/Soap/u/{api_version}/",
        data=envelope,
        headers={"content-type": "text/xml", "SOAPAction": "Login"},
        timeout=30,
    )
    result = ET.fromstring(res.content.decode("utf-8"))[0][0][0]
    server = urlparse(result[3].text or "")
    session_id = result[4].text or ""
    tenant_id = result[6][8].text or ""
    return f"{server.scheme}://{server.netloc}", session_id, tenant_id


def bitmap_names(bitmaps: list[str], schema: avro.schema.RecordSchema) -> list[str]:
    """Field names of ``changedFields``/``nulledFields`` bitmaps: bit i (least significant
    first) is the schema's i-th field; ``"<pos>-0x…"`` covers the components of the compound
    field at ``pos``."""
    names: list[str] = []
    for bitmap in bitmaps:
        if bitmap.startswith("0x"):
            names += [schema.fields[i].name for i in _set_bits(bitmap)]
            continue
        pos, _, nested = bitmap.partition("-")
        parent = schema.fields[int(pos)]
        record = _record_of(parent.type)
        if record is not None:
            names += [f"{parent.name}.{record.fields[i].name}" for i in _set_bits(nested)]
    return names


def _set_bits(bitmap: str) -> list[int]:
    bits = BitArray(hex=bitmap[2:]).bin[::-1]
    return [i for i, bit in enumerate(bits) if bit == "1"]


def _record_of(avro_type: Any) -> Any:
    if avro_type.type == "union":
        for option in avro_type.schemas:
            if option.type == "record":
                return option
        return None
    return avro_type if avro_type.type == "record" else None


class Subscriber:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.pb2, pb2_grpc = generated_stubs(Path(args.proto))
        instance, session_id, tenant_id = soap_login(
            args.url, args.username, args.password, args.api_version
        )
        self.metadata = (
            ("accesstoken", session_id),
            ("instanceurl", instance),
            ("tenantid", tenant_id),
        )
        self.channel = grpc.insecure_channel(args.grpc)
        self.stub = pb2_grpc.PubSubStub(self.channel)
        self.semaphore = threading.Semaphore(1)
        self.schemas: dict[str, avro.schema.RecordSchema] = {}
        self.seen = 0

    def schema(self, schema_id: str) -> avro.schema.RecordSchema:
        if schema_id not in self.schemas:
            info = self.stub.GetSchema(
                self.pb2.SchemaRequest(schema_id=schema_id), metadata=self.metadata
            )
            self.schemas[schema_id] = avro.schema.parse(info.schema_json)
        return self.schemas[schema_id]

    def requests(self) -> Any:
        """The same FetchRequest again each time the semaphore is released."""
        preset = getattr(self.pb2.ReplayPreset, self.args.replay_type)
        while True:
            self.semaphore.acquire()
            yield self.pb2.FetchRequest(
                topic_name=self.args.topic,
                replay_preset=preset,
                replay_id=bytes.fromhex(self.args.replay_id),
                num_requested=self.args.num_requested,
            )

    def run(self) -> None:
        topic = self.stub.GetTopic(
            self.pb2.TopicRequest(topic_name=self.args.topic), metadata=self.metadata
        )
        print(json.dumps({"topic": topic.topic_name, "schema_id": topic.schema_id}), flush=True)
        stream = self.stub.Subscribe(
            self.requests(), metadata=self.metadata, timeout=self.args.timeout
        )
        first = True
        for response in stream:
            if first:
                print(json.dumps({"subscribed": True}), flush=True)
                first = False
            for event in response.events:
                self.report(event)
            if response.pending_num_requested == 0:
                self.semaphore.release()
            if self.seen >= self.args.count:
                stream.cancel()
                return

    def report(self, event: Any) -> None:
        schema = self.schema(event.event.schema_id)
        reader = avro.io.DatumReader(schema)
        record = reader.read(avro.io.BinaryDecoder(io.BytesIO(event.event.payload)))
        header = record["ChangeEventHeader"]
        line = {
            "replay_id": event.replay_id.hex(),
            "entity": header["entityName"],
            "change_type": header["changeType"],
            "record_ids": header["recordIds"],
            "changed": bitmap_names(list(header["changedFields"]), schema),
            "nulled": bitmap_names(list(header["nulledFields"]), schema),
            "values": {
                k: v for k, v in record.items() if k != "ChangeEventHeader" and v is not None
            },
        }
        print(json.dumps(line, default=str), flush=True)
        self.seen += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proto", required=True, help="Salesforce's pubsub_api.proto")
    parser.add_argument("--url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True, help="password and security token")
    parser.add_argument("--grpc", required=True, help="host:port of the Pub/Sub API")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--replay-type", default="LATEST", choices=["LATEST", "EARLIEST", "CUSTOM"])
    parser.add_argument("--replay-id", default="", help="hex, for CUSTOM")
    parser.add_argument("--num-requested", type=int, default=2)
    parser.add_argument("--count", type=int, required=True, help="stop after this many events")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--api-version", default="57.0")
    Subscriber(parser.parse_args()).run()


if __name__ == "__main__":
    main()
