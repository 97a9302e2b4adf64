using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.EntityVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV4006: [Bits] outside the range of the member's type, or on a type it does not apply to.</summary>
public sealed class InvalidBitsTests
{
    [Fact]
    public async Task Invalid_widths_are_reported_at_the_attribute_with_the_range()
    {
        await AnalyzerAsync(
            """
            using System.Numerics;
            using Travelers;

            public enum Team : byte { Red, Blue }

            public partial class Turret : NetEntity
            {
                [Replicated, {|#0:Bits(40)|}] public int Ammo;
                [Replicated, {|#1:Bits(0)|}] public Team Team;
                [Replicated, {|#2:Bits(20)|}] public Quaternion Aim;
                [Replicated, {|#3:Bits(8)|}] public float Heat;
            }
            """,
            Diagnostic(DiagnosticDescriptors.InvalidBits, 0, "Ammo", "it must be 1 to 32 for 'int', not 40"),
            Diagnostic(DiagnosticDescriptors.InvalidBits, 1, "Team", "it must be 1 to 8 for 'Team', not 0"),
            Diagnostic(DiagnosticDescriptors.InvalidBits, 2, "Aim", "it must be 4 to 16 for a Quaternion (the bits of each of its three smallest components), not 20"),
            Diagnostic(DiagnosticDescriptors.InvalidBits, 3, "Heat", "it applies to integers, enums and Quaternion, not to 'float'"));
    }

    [Fact]
    public async Task Widths_within_range_get_nothing()
    {
        await AnalyzerAsync(
            """
            using System.Numerics;
            using Travelers;

            public enum Team : byte { Red, Blue }

            public partial class Turret : NetEntity
            {
                [Replicated, Bits(10)] public int Ammo;
                [Replicated, Bits(1)] public Team Team;
                [Replicated, Bits(64)] public long Score;
                [Replicated, Bits(4)] public partial Quaternion Aim { get; set; }
                [Replicated, Bits(16)] public Quaternion Barrel;
            }
            """);
    }
}
