using System;
using System.Text;

namespace Travelers;

/// <summary>Text cut to fit a budget of characters and of UTF-8 bytes, for texts the runtime writes itself (errors, notices).</summary>
internal static class Utf8Text
{
    /// <summary>
    /// <paramref name="text"/> cut to at most <paramref name="maxChars"/> characters and <paramref name="maxBytes"/>
    /// UTF-8 bytes, at a character's edge, with unpaired surrogates (which UTF-8 cannot carry) replaced.
    /// </summary>
    public static string Fit(string text, int maxChars, int maxBytes)
    {
        ReadOnlySpan<char> chars = text.AsSpan(0, Math.Min(text.Length, maxChars));
        if (chars.Length < text.Length && chars.Length > 0 && char.IsHighSurrogate(chars[^1]))
        {
            chars = chars[..^1]; // not half a pair
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(chars.ToArray()); // unpaired surrogates become U+FFFD
        int length = Math.Min(utf8.Length, Math.Max(maxBytes, 0));
        while (length > 0 && length < utf8.Length && (utf8[length] & 0xC0) == 0x80)
        {
            length--; // not part of a character
        }

        return Encoding.UTF8.GetString(utf8, 0, length);
    }
}
