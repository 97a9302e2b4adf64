using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.EntityVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV4003: a replicated member of a type the delta encoder does not know.</summary>
public sealed class UnsupportedReplicatedTypeTests
{
    [Fact]
    public async Task Unsupported_member_types_are_reported_at_the_member_with_the_type()
    {
        await AnalyzerAsync(
            """
            using System.Collections.Generic;
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public List<int> {|#0:Inventory|} = new();
                [Replicated] public int? {|#1:Target|};
                [Replicated] public decimal {|#2:Gold|};
            }
            """,
            Diagnostic(DiagnosticDescriptors.UnsupportedReplicatedType, 0, "Inventory", "Player", "System.Collections.Generic.List<int>"),
            Diagnostic(DiagnosticDescriptors.UnsupportedReplicatedType, 1, "Target", "Player", "int?"),
            Diagnostic(DiagnosticDescriptors.UnsupportedReplicatedType, 2, "Gold", "Player", "decimal"));
    }

    [Fact]
    public async Task Every_supported_type_is_accepted_and_the_generated_entity_compiles()
    {
        await AnalyzerAsync(
            """
            using System.Numerics;
            using Travelers;

            public enum Team : byte { Red, Blue }

            public enum Big : ulong { Max = ulong.MaxValue }

            public partial class Everything : NetEntity
            {
                [Replicated] public bool Flag;
                [Replicated] public byte U8;
                [Replicated] public sbyte I8;
                [Replicated] public short I16;
                [Replicated] public ushort U16;
                [Replicated] public char Letter;
                [Replicated] public int I32;
                [Replicated] public uint U32;
                [Replicated] public long I64;
                [Replicated] public ulong U64;
                [Replicated] public Team Team;
                [Replicated] public Big Big;
                [Replicated] public float F32;
                [Replicated] public double F64;
                [Replicated] public Vector2 V2;
                [Replicated] public Vector3 V3;
                [Replicated] public Vector4 V4;
                [Replicated] public Quaternion Rotation;
                [Replicated] public partial string Name { get; set; }
                [Replicated] public partial string? Title { get; set; }
                [Replicated] public NetId Target;
            }
            """);
    }
}
