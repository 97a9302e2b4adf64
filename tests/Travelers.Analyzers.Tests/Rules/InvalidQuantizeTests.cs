using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.EntityVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV4004: [Quantize] with a range the runtime refuses, or on a member that is not a float or vector.</summary>
public sealed class InvalidQuantizeTests
{
    [Fact]
    public async Task Invalid_ranges_and_types_are_reported_at_the_attribute_with_the_reason()
    {
        await AnalyzerAsync(
            """
            using System.Numerics;
            using Travelers;

            public partial class Ship : NetEntity
            {
                [Replicated, {|#0:Quantize(100, 0, 0.5f)|}] public float Fuel;
                [Replicated, {|#1:Quantize(0, 1, 0)|}] public Vector2 Drift;
                [Replicated, {|#2:Quantize(0, float.NaN, 1)|}] public float Heat;
                [Replicated, {|#3:Quantize(-1e9f, 1e9f, 0.1f)|}] public Vector3 Position;
                [Replicated, {|#4:Quantize(0, 10, 1)|}] public int Crew;
            }
            """,
            Diagnostic(DiagnosticDescriptors.InvalidQuantize, 0, "Fuel", "min (100) must be less than max (0)"),
            Diagnostic(DiagnosticDescriptors.InvalidQuantize, 1, "Drift", "precision (0) must be greater than 0"),
            Diagnostic(DiagnosticDescriptors.InvalidQuantize, 2, "Heat", "min, max and precision must be finite numbers"),
            Diagnostic(DiagnosticDescriptors.InvalidQuantize, 3, "Position", "-1E+09 to 1E+09 in steps of 0.1 is 19999999702 steps, more than 32 bits hold; use a larger precision or a smaller range"),
            Diagnostic(DiagnosticDescriptors.InvalidQuantize, 4, "Crew", "it applies to float, Vector2, Vector3 and Vector4 members, not to 'int'"));
    }

    [Fact]
    public async Task Valid_ranges_on_floats_and_vectors_get_nothing()
    {
        await AnalyzerAsync(
            """
            using System.Numerics;
            using Travelers;

            public partial class Ship : NetEntity
            {
                [Replicated, Quantize(0, 100, 0.5f)] public partial float Fuel { get; set; }
                [Replicated, Quantize(-10, 10, 0.01f)] public Vector2 Drift;
                [Replicated, Quantize(-4096, 4096, 1f / 256)] public partial Vector3 Position { get; set; }
                [Replicated, Quantize(0, 1, 1f / 255)] public Vector4 Tint;
                [Replicated, Quantize(0, 4294967040f, 1)] public float Huge;
            }
            """);
    }
}
