// A game programmer's first program: built by PackageTests against the Travelers package, for net8.0.
using System.Globalization;
using System.Reflection;
using System.Runtime.Versioning;
using Travelers;

var ping = new Ping { Tick = 42, X = -1.5f };
var chat = new Chat("ann", "hello, travelers");

byte[] pingBytes = NetSerializer.Serialize(in ping);
Ping pingBack = NetSerializer.Deserialize<Ping>(pingBytes);
byte[] chatBytes = NetSerializer.Serialize(in chat);
Chat chatBack = NetSerializer.Deserialize<Chat>(chatBytes);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Ping {pingBack.Tick} {pingBack.X} ({pingBytes.Length} bytes)"));
Console.WriteLine($"Chat {chatBack.From}: {chatBack.Text} ({chatBytes.Length} bytes)");
Console.WriteLine($"MaxDepth {NetLimits.Default.MaxDepth}");
Console.WriteLine($"Travelers for {typeof(NetSerializer).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName}");
Console.WriteLine($"Running on {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");

bool ok = pingBack.Tick == ping.Tick && pingBack.X.Equals(ping.X) && chatBack == chat;
Console.WriteLine(ok ? "Round trip: OK" : "Round trip: FAILED");
return ok ? 0 : 1;

[NetMessage] public partial struct Ping { public uint Tick; public float X; }
[NetMessage] public partial record Chat(string From, [MaxLength(64)] string Text);
