namespace Travelers;

/// <summary>Which transport a server or client uses. Both sides must use the same one.</summary>
public enum NetTransport
{
    /// <summary>TCP: length-prefixed frames over one stream; every message reliable and ordered.</summary>
    Tcp = 0,

    /// <summary>UDP with Travelers' own reliability layer (delivery modes and channels).</summary>
    Udp = 1,
}
