// Travelers quick start: declare messages, serialize them, and see exactly what goes on the wire.
using System.Buffers;
using Quickstart;
using Travelers;

var input = new PlayerInput { Tick = 1042, Move = new(0.5f, -1f), Buttons = 0b101 };
var chat = new ChatLine("ann", "gg, well played ✓");
var inventory = new Inventory { Items = { 3, 14, 15 }, Counts = { ["gem"] = 4, ["key"] = 1 }, LastInput = input, Gold = 300 };

// Serialize to a byte[] (simplest) or into any IBufferWriter<byte> (no allocation of your own).
byte[] inputBytes = NetSerializer.Serialize(in input);
byte[] chatBytes = NetSerializer.Serialize(in chat);
var buffer = new ArrayBufferWriter<byte>();
NetSerializer.Serialize(buffer, in inventory);
byte[] inventoryBytes = buffer.WrittenSpan.ToArray();

// Every message comes back as it went.
Check(NetSerializer.Deserialize<PlayerInput>(inputBytes).Equals(input), "PlayerInput");
Check(NetSerializer.Deserialize<ChatLine>(chatBytes) == chat, "ChatLine");
Inventory back = NetSerializer.Deserialize<Inventory>(inventoryBytes);
Check(back.Items.SequenceEqual(inventory.Items) && back.Counts["key"] == 1 && back.LastInput?.Tick == 1042 && back.Gold == 300, "Inventory");

WireDump.Print("PlayerInput", inputBytes,
    ("Tick", "u32 little-endian", (ref NetReader r) => r.ReadUInt32().ToString()),
    ("Move", "2 × f32", (ref NetReader r) => r.ReadVector2().ToString()),
    ("Buttons", "u16", (ref NetReader r) => r.ReadUInt16().ToString()));

WireDump.Print("ChatLine (id 7)", chatBytes,
    ("From", "varint len+1, UTF-8", (ref NetReader r) => Quote(r.ReadString())),
    ("Text", "varint len+1, UTF-8", (ref NetReader r) => Quote(r.ReadString(256))));

WireDump.Print("Inventory", inventoryBytes,
    ("Items", "varint count+1", (ref NetReader r) => $"{r.ReadCount(0, 4)} items"),
    ("  [0..2]", "3 × i32", (ref NetReader r) => $"{r.ReadInt32()}, {r.ReadInt32()}, {r.ReadInt32()}"),
    ("Counts", "varint count+1", (ref NetReader r) => $"{r.ReadCount(0, 5)} entries"),
    ("  key", "string", (ref NetReader r) => Quote(r.ReadString())),
    ("  value", "i32", (ref NetReader r) => r.ReadInt32().ToString()),
    ("  key", "string", (ref NetReader r) => Quote(r.ReadString())),
    ("  value", "i32", (ref NetReader r) => r.ReadInt32().ToString()),
    ("LastInput", "presence byte", (ref NetReader r) => r.ReadPresence() ? "present" : "null"),
    ("  (nested)", "PlayerInput, 14 bytes", (ref NetReader r) => r.ReadMessage<PlayerInput>().Tick.ToString()),
    ("Gold", "[VarInt] zigzag", (ref NetReader r) => r.ReadVarInt32().ToString()));

// Hostile bytes get a clear error naming the type, the member and the offset; TryDeserialize never throws.
try
{
    NetSerializer.Deserialize<ChatLine>(chatBytes.AsSpan(0, 6));
}
catch (NetSerializationException e)
{
    Console.WriteLine($"Truncated ChatLine: {e.Message}");
}

Console.WriteLine($"TryDeserialize of 2 random bytes: {NetSerializer.TryDeserialize<Inventory>(new byte[] { 0xFF, 0xFF }, out _)}");
Console.WriteLine($"Registered message types: {NetMessageRegistry.Types.Length}, protocol fingerprint 0x{NetMessageRegistry.Fingerprint:X16}");

static string Quote(string? s) => s is null ? "null" : $"\"{s}\"";

static void Check(bool ok, string what)
{
    if (!ok)
    {
        throw new InvalidOperationException($"{what} did not round-trip.");
    }
}
