using Quickstart;
using Travelers;

var input = new PlayerInput { Tick = 1042, Move = new(0.5f, -1f), Buttons = 0b101 };
byte[] bytes = NetSerializer.Serialize(in input);
PlayerInput back = NetSerializer.Deserialize<PlayerInput>(bytes);
Console.WriteLine($"{bytes.Length} {back.Tick} {back.Move} {back.Buttons}");
var chat = new ChatLine("ann", "hi there");
bytes = NetSerializer.Serialize(in chat);
Console.WriteLine($"{bytes.Length} {NetSerializer.Deserialize<ChatLine>(bytes)}");
var inv = new Inventory { Items = { 1, 2, 3 }, Counts = { ["gem"] = 4 }, LastInput = input, Gold = 300 };
bytes = NetSerializer.Serialize(in inv);
var inv2 = NetSerializer.Deserialize<Inventory>(bytes);
Console.WriteLine($"{bytes.Length} {string.Join(",", inv2.Items)} {inv2.Counts["gem"]} {inv2.LastInput?.Tick} {inv2.Gold}");
