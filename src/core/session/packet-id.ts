// Packet identifier allocation, for the client session and the broker alike: the next id in
// 1..65535 after the last one given that is not in use (MQTT-2.2.1-3).

/** What decides whether an id is taken: in flight, or a SUBSCRIBE/UNSUBSCRIBE awaiting its ack. */
export interface PacketIdTable {
  packetIdInUse(id: number): boolean;
}

/** The id after `id`, wrapping from 65535 to 1 (0 is never an id). */
export function followingPacketId(id: number): number {
  return id === 65535 ? 1 : id + 1;
}

/** The first id from `next` on (wrapping) that `table` does not use, or 0 when all 65,535 are. */
export function freePacketId(next: number, table: PacketIdTable): number {
  let id = next;
  for (let n = 0; n < 65535; n++) {
    if (!table.packetIdInUse(id)) return id;
    id = followingPacketId(id);
  }
  return 0;
}
