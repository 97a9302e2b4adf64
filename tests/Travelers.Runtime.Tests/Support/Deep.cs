using System.Collections;
using System.Reflection;

namespace Travelers.Runtime.Tests;

/// <summary>
/// Deep, bit-exact equality for test messages: floats compare by their bits (NaN payloads, -0.0),
/// decimals by their four parts (scale included), DateTimes by ticks and kind, strings ordinally,
/// null differs from empty, collections element by element, sets and dictionaries by content,
/// everything else by its public fields and properties ([NetIgnore] members skipped).
/// </summary>
internal static class Deep
{
    public static void Equal<T>(T expected, T actual)
    {
        string? difference = Difference(expected, actual, typeof(T).Name);
        if (difference is not null)
        {
            Assert.Fail(difference);
        }
    }

    public static string? Difference(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }

        Type type = expected.GetType();
        if (type != actual.GetType())
        {
            return $"{path}: expected a {type}, got a {actual.GetType()}";
        }

        switch (expected)
        {
            case float f:
                return Bits(BitConverter.SingleToUInt32Bits(f), BitConverter.SingleToUInt32Bits((float)actual), path);
            case double d:
                return Bits(BitConverter.DoubleToUInt64Bits(d), BitConverter.DoubleToUInt64Bits((double)actual), path);
            case Half h:
                return Bits(BitConverter.HalfToUInt16Bits(h), BitConverter.HalfToUInt16Bits((Half)actual), path);
            case decimal m:
                return decimal.GetBits(m).SequenceEqual(decimal.GetBits((decimal)actual)) ? null : $"{path}: expected {m} ({string.Join(',', decimal.GetBits(m))}), got {actual} ({string.Join(',', decimal.GetBits((decimal)actual))})";
            case DateTime t:
                var other = (DateTime)actual;
                return t.Ticks == other.Ticks && t.Kind == other.Kind ? null : $"{path}: expected {t:O} ({t.Kind}), got {other:O} ({other.Kind})";
            case DateTimeOffset o:
                var otherOffset = (DateTimeOffset)actual;
                return o.UtcTicks == otherOffset.UtcTicks && o.Offset == otherOffset.Offset ? null : $"{path}: expected {o:O}, got {otherOffset:O}";
            case string s:
                return string.Equals(s, (string)actual, StringComparison.Ordinal) ? null : $"{path}: expected \"{Escape(s)}\", got \"{Escape((string)actual)}\"";
            case ReadOnlyMemory<byte> memory:
                return memory.Span.SequenceEqual(((ReadOnlyMemory<byte>)actual).Span) ? null : $"{path}: expected bytes {Bytes.Hex(memory.Span)}, got {Bytes.Hex(((ReadOnlyMemory<byte>)actual).Span)}";
            case IDictionary dictionary:
                return DictionaryDifference(dictionary, (IDictionary)actual, path);
            case IEnumerable sequence when IsSet(type):
                return SetDifference(sequence, (IEnumerable)actual, path);
            case IEnumerable sequence:
                return SequenceDifference(sequence, (IEnumerable)actual, path);
        }

        if (type.IsPrimitive || type.IsEnum || expected is Int128 or UInt128 or Guid or TimeSpan)
        {
            return expected.Equals(actual) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }

        foreach (MemberInfo member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance))
        {
            if (member.IsDefined(typeof(NetIgnoreAttribute)))
            {
                continue;
            }

            (object? e, object? a) = member switch
            {
                FieldInfo field => (field.GetValue(expected), field.GetValue(actual)),
                PropertyInfo property when property.GetIndexParameters().Length == 0 && property.GetMethod is { IsPublic: true } => (property.GetValue(expected), property.GetValue(actual)),
                _ => (null, null),
            };
            if (Difference(e, a, path + "." + member.Name) is { } difference)
            {
                return difference;
            }
        }

        return null;
    }

    private static string? Bits(ulong expected, ulong actual, string path) =>
        expected == actual ? null : $"{path}: expected bits 0x{expected:X}, got 0x{actual:X}";

    private static bool IsSet(Type type) => type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISet<>));

    private static string? DictionaryDifference(IDictionary expected, IDictionary actual, string path)
    {
        if (expected.Count != actual.Count)
        {
            return $"{path}: expected {expected.Count} entries, got {actual.Count}";
        }

        foreach (DictionaryEntry entry in expected)
        {
            if (!actual.Contains(entry.Key))
            {
                return $"{path}: key {Show(entry.Key)} is missing";
            }

            if (Difference(entry.Value, actual[entry.Key], $"{path}[{Show(entry.Key)}]") is { } difference)
            {
                return difference;
            }
        }

        return null;
    }

    private static string? SetDifference(IEnumerable expected, IEnumerable actual, string path)
    {
        var e = expected.Cast<object?>().ToList();
        var a = actual.Cast<object?>().ToList();
        if (e.Count != a.Count)
        {
            return $"{path}: expected {e.Count} elements, got {a.Count}";
        }

        MethodInfo contains = actual.GetType().GetMethod("Contains")!;
        foreach (object? item in e)
        {
            if (!(bool)contains.Invoke(actual, new[] { item })!)
            {
                return $"{path}: element {Show(item)} is missing";
            }
        }

        return null;
    }

    private static string? SequenceDifference(IEnumerable expected, IEnumerable actual, string path)
    {
        var e = expected.Cast<object?>().ToList();
        var a = actual.Cast<object?>().ToList();
        if (e.Count != a.Count)
        {
            return $"{path}: expected {e.Count} elements, got {a.Count}";
        }

        for (int i = 0; i < e.Count; i++)
        {
            if (Difference(e[i], a[i], $"{path}[{i}]") is { } difference)
            {
                return difference;
            }
        }

        return null;
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => "\"" + Escape(s) + "\"",
        _ => value.ToString() ?? value.GetType().Name,
    };

    private static string Escape(string s) => s.Length > 80 ? string.Concat(s.AsSpan(0, 80), $"...({s.Length} chars)") : s;
}
