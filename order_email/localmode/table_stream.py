"""Reading a DynamoDB table's whole stream from its oldest record, as a new stream reader would."""

from __future__ import annotations

from typing import Any


def stream_records(dynamodb: Any, streams: Any, table: str) -> list[dict[str, Any]]:
    """Every record of `table`'s stream so far, oldest first per shard; none when the table has no stream.

    `dynamodb` and `streams` are boto3 clients of the same endpoint (the emulator's, or moto's).
    """
    arn = dynamodb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
    if not arn:
        return []
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator)
            records.extend(answer.get("Records") or [])
            iterator = answer.get("NextShardIterator") if answer.get("Records") else None
    return records
