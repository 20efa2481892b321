"""Salesforce's Pub/Sub API (gRPC service ``eventbus.v1.PubSub``): the vendored
``pubsub_api.proto``, its generated stubs and the change event bitmap helpers.

    import grpc
    from pubsub_api import pb2, pb2_grpc

    stub = pb2_grpc.PubSubStub(grpc.insecure_channel("127.0.0.1:8766"))
    metadata = (("accesstoken", session_id), ("instanceurl", instance_url), ("tenantid", org_id))
    topic = stub.GetTopic(pb2.TopicRequest(topic_name="/data/LeadChangeEvent"), metadata=metadata)

See ``README.md`` here for regenerating the stubs.
"""

from __future__ import annotations

from . import pubsub_api_pb2 as pb2
from . import pubsub_api_pb2_grpc as pb2_grpc
from .bitmaps import decode_bitmaps, encode_bitmap

#: Replay ids the emulator hands out: 8-byte big-endian sequence numbers (opaque to clients,
#: as Salesforce's are).
REPLAY_ID_BYTES = 8

__all__ = ["REPLAY_ID_BYTES", "decode_bitmaps", "encode_bitmap", "pb2", "pb2_grpc"]
