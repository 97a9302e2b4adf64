using System.Globalization;

namespace Travelers.Generators.Helpers;

/// <summary>Floats as text that reads back to the same float on any machine: round-trip format, invariant culture.</summary>
internal static class FloatText
{
    /// <summary>"0.5", "100", "1E-05".</summary>
    public static string Invariant(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A C# literal: "0.5f", "-100f", "1E-05f"; NaN and the infinities by name.</summary>
    public static string Literal(float value) =>
        float.IsNaN(value) ? "global::System.Single.NaN"
        : float.IsPositiveInfinity(value) ? "global::System.Single.PositiveInfinity"
        : float.IsNegativeInfinity(value) ? "global::System.Single.NegativeInfinity"
        : Invariant(value) + "f";

    /// <summary>A C# literal of a double: "0.5d", "1E-05d"; NaN and the infinities by name.</summary>
    public static string Literal(double value) =>
        double.IsNaN(value) ? "global::System.Double.NaN"
        : double.IsPositiveInfinity(value) ? "global::System.Double.PositiveInfinity"
        : double.IsNegativeInfinity(value) ? "global::System.Double.NegativeInfinity"
        : value.ToString("R", CultureInfo.InvariantCulture) + "d";
}
