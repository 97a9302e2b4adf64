using System.Globalization;

namespace Travelers.Generators.Helpers;

/// <summary>Floats as text that reads back to the same float on any machine: round-trip format, invariant culture.</summary>
internal static class FloatText
{
    /// <summary>"0.5", "100", "1E-05".</summary>
    public static string Invariant(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A C# literal: "0.5f", "-100f", "1E-05f".</summary>
    public static string Literal(float value) => Invariant(value) + "f";
}
