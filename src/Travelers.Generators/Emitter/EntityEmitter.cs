using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;

namespace Travelers.Generators.Emitter;

/// <summary>
/// Writes one entity type's replication code as a partial of the user's type: the State struct, the implementing
/// declarations of its partial properties, <c>Interpolated</c>, and the static members of INetEntity. This file holds
/// the structure and the members that copy and compare; EntityEmitter.Delta.cs the bit packing and interpolation.
/// </summary>
internal static partial class EntityEmitter
{
    private const string Rt = "global::Travelers.";
    private const string Numerics = "global::System.Numerics.";

    public static string Emit(EntityModel m)
    {
        var w = new SourceWriter();
        int opened = w.BeginFile("obsolete members still replicate", m.Namespace, m.ContainingTypes);

        string iface = Rt + "INetEntity<" + m.TypeName + ", " + m.TypeName + ".State>";
        w.Open("partial " + m.Keyword + " " + Id(m.Name) + " : " + iface);
        EmitState(w, m);
        EmitProperties(w, m);
        w.Line();
        w.Line("/// <summary>The state at the client's render time: interpolated between the two snapshots around it (the current state on the server).</summary>");
        w.Line("public " + New(m) + "State Interpolated => GetInterpolated<" + m.TypeName + ", State>(this);");
        w.Line();
        w.Line("static ulong " + iface + ".EntityTypeId => 0x" + m.Id.ToString("X16", CultureInfo.InvariantCulture) + "UL;");
        w.Line();
        w.Line("static string " + iface + ".EntitySchema => " + Literal(m.Schema) + ";");
        w.Line();
        w.Line("static bool " + iface + ".HasReplicatedFields => " + (m.HasReplicatedFields ? "true" : "false") + ";");
        w.Line();
        w.Line("static " + m.TypeName + " " + iface + ".CreateReplica() => " + (m.IsAbstract
            ? "throw new global::System.InvalidOperationException(" + Literal(m.FullName + " is abstract: clients create its derived types.") + ");"
            : "new " + m.TypeName + "();"));
        w.Line();
        EmitCapture(w, m, iface);
        w.Line();
        EmitApply(w, m, iface);
        w.Line();
        EmitStatesEqual(w, m, iface);
        w.Line();
        EmitWriteDelta(w, m, iface);
        w.Line();
        EmitReadDelta(w, m, iface);
        w.Line();
        EmitInterpolate(w, m, iface);
        EmitQuantization(w, m);
        EmitHelpers(w, m);
        w.Close();

        w.EndFile(opened);

        return w.ToString();
    }

    /// <summary>The implementing declarations of a type's partial [Replicated] properties when its replication cannot be generated.</summary>
    public static string EmitStub(EntityStubModel m)
    {
        var w = new SourceWriter();
        int opened = w.BeginFile("obsolete members still replicate", m.Namespace, m.ContainingTypes);
        w.Line("// " + m.FullName + "'s replication cannot be generated: an error from Travelers' analyzers (TRV4001-TRV4008) says why.");
        w.Line("// Its partial properties are implemented (throwing), so that the compiler reports that error, not CS9248 on each.");
        w.Open("partial " + m.Keyword + " " + m.Name);
        bool first = true;
        foreach (PropertyStub property in m.Properties)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;

            // No backing field: a field would not compile in an interface, in a struct (an initializer needs a declared
            // constructor; a readonly one's fields must be readonly) or with a ref struct type (Span<T>), and the
            // compiler's error about it would again stop the build before the analyzers.
            w.Open(property.Shape.Modifiers + " " + property.TypeName + " " + Id(property.Name));
            foreach (AccessorShape accessor in property.Shape.Accessors)
            {
                string prefix = accessor.Modifiers.Length > 0 ? accessor.Modifiers + " " : string.Empty;
                w.Line(prefix + accessor.Keyword + " => throw new global::System.NotSupportedException(" + Literal(m.FullName + "." + property.Name + " is not implemented: the type's replication cannot be generated.") + ");");
            }

            w.Close();
        }

        w.Close();
        w.EndFile(opened);
        return w.ToString();
    }

    private static string New(EntityModel m) => m.HasEntityBase ? "new " : string.Empty;

    private static void EmitState(SourceWriter w, EntityModel m)
    {
        w.Line("/// <summary>The replicated members of <see cref=\"" + Id(m.Name) + "\"/>, as the wire carries them.</summary>");
        w.Open("public " + New(m) + "struct State");
        for (int i = 0; i < m.Members.Count; i++)
        {
            ReplicatedMemberModel member = m.Members[i];
            if (i > 0)
            {
                w.Line();
            }

            w.Line("/// <summary>" + StateFieldDoc(member) + "</summary>");
            w.Line("public " + StateType(member) + " " + Id(member.Name) + ";");
        }

        w.Close();
    }

    private static string StateFieldDoc(ReplicatedMemberModel member)
    {
        string text = "<c>" + member.Name + "</c>";
        if (member.Quantize is { } q)
        {
            text += ", in steps of " + FloatText.Invariant(q.Precision) + " from " + FloatText.Invariant(q.Min) + " to " + FloatText.Invariant(q.Max);
        }
        else if (member.Bits > 0)
        {
            text += member.Kind == ReplicatedKind.Quaternion
                ? ", as the smallest three components in " + Int(member.Bits) + " bits each"
                : ", in " + Int(member.Bits) + (member.Bits == 1 ? " bit" : " bits");
        }
        else if (member.MaxLength > 0)
        {
            text += ", at most " + Int(member.MaxLength) + " chars";
        }

        return text + ".";
    }

    /// <summary>Per quantized member: its bit width and largest step, from the runtime at type initialization, and its conversions.</summary>
    private static void EmitQuantization(SourceWriter w, EntityModel m)
    {
        foreach (ReplicatedMemberModel member in m.Members)
        {
            if (member.Quantize is not { } q)
            {
                continue;
            }

            string range = FloatText.Literal(q.Min) + ", " + FloatText.Literal(q.Max) + ", " + FloatText.Literal(q.Precision);
            string stem = "__" + member.Name;
            w.Line();
            w.Line("// " + member.Name + ": [Quantize(" + FloatText.Invariant(q.Min) + ", " + FloatText.Invariant(q.Max) + ", " + FloatText.Invariant(q.Precision) + ")]" + (IsVector(member.Kind) ? ", each component." : "."));
            w.Line("private static readonly int " + stem + "Bits = " + Rt + "Quantization.BitsFor(" + range + ");");
            w.Line();
            w.Line("// The step of the maximum: the largest the writer sends, so a larger one is not from a Travelers server.");
            w.Line("private static readonly uint " + stem + "MaxStep = " + stem + "Step(" + FloatText.Literal(q.Max) + ");");
            w.Line();
            w.Line("private static uint " + stem + "Step(float value) => " + Rt + "Quantization.Quantize(value, " + range + ", out _);");
            w.Line();
            w.Line("private static float " + stem + "Value(uint step) => " + Rt + "Quantization.Dequantize(step, " + range + ");");
            w.Line();
            w.Line("/// <summary>The value a client will hold: the nearest step, counted in <paramref name=\"clamped\"/> when out of range.</summary>");
            w.Open("private static float " + stem + "Canonical(float value, ref int clamped)");
            w.Line("uint step = " + Rt + "Quantization.Quantize(value, " + range + ", out bool outside);");
            w.Line("clamped += outside ? 1 : 0;");
            w.Line("return " + stem + "Value(step);");
            w.Close();
        }
    }

    private static void EmitProperties(SourceWriter w, EntityModel m)
    {
        foreach (ReplicatedMemberModel member in m.Members)
        {
            if (member.Property is not { } shape)
            {
                continue;
            }

            // A non-nullable string starts empty rather than null, as its type promises.
            bool emptyString = member.Kind == ReplicatedKind.String && !member.IsAnnotated;
            w.Line();
            w.Line("private " + member.TypeName + " __" + member.Name + (emptyString ? " = \"\";" : ";"));
            w.Line();
            w.Open(shape.Modifiers + " " + member.TypeName + " " + Id(member.Name));
            foreach (AccessorShape accessor in shape.Accessors)
            {
                string prefix = accessor.Modifiers.Length > 0 ? accessor.Modifiers + " " : string.Empty;
                w.Line(accessor.Keyword == "get"
                    ? prefix + "get => __" + member.Name + ";"
                    : prefix + accessor.Keyword + " { __" + member.Name + " = value; MarkChanged(); }");
            }

            w.Close();
        }
    }

    private static void EmitCapture(SourceWriter w, EntityModel m, string iface)
    {
        w.Open("static int " + iface + ".Capture(" + m.TypeName + " entity, out State state)");
        w.Line("int clamped = 0;");
        w.Line("state = default;");
        foreach (ReplicatedMemberModel member in m.Members)
        {
            string value = Get(member);
            string target = "state." + Id(member.Name);
            if (member.Quantize is not null)
            {
                string canonical = "__" + member.Name + "Canonical";
                w.Line(member.Kind == ReplicatedKind.Single
                    ? target + " = " + canonical + "(" + value + ", ref clamped);"
                    : target + " = new " + member.TypeName + "(" + string.Join(", ", Components(member.Kind, c => canonical + "(" + value + "." + c + ", ref clamped)")) + ");");
            }
            else if (member.Kind == ReplicatedKind.Quaternion && member.Bits > 0)
            {
                w.Line(target + " = " + Rt + "Quantization.RoundTripQuaternion(" + value + ", " + Int(member.Bits) + ");");
            }
            else if (member.Kind == ReplicatedKind.String)
            {
                EmitTruncate(w, member, value, target);
            }
            else
            {
                w.Line(target + " = " + value + ";");
                EmitClampInteger(w, member, target);
            }
        }

        w.Line("return clamped;");
        w.Close();
    }

    /// <summary>Integers narrowed by [Bits] keep within the width: out-of-range values are clamped and counted, never wrapped.</summary>
    private static void EmitClampInteger(SourceWriter w, ReplicatedMemberModel member, string target)
    {
        int width = IntegerWidth(member.Kind);
        if (member.Bits == 0 || member.Bits == width)
        {
            return;
        }

        if (IsSigned(member.Kind))
        {
            long max = (1L << (member.Bits - 1)) - 1;
            long min = -max - 1;
            EmitClampBranch(w, "if ((long)" + target + " < " + Int(min) + "L)", target, member.TypeName, "(" + Int(min) + ")");
            EmitClampBranch(w, "else if ((long)" + target + " > " + Int(max) + "L)", target, member.TypeName, Int(max));
        }
        else
        {
            ulong max = (1UL << member.Bits) - 1;
            EmitClampBranch(w, "if ((ulong)" + target + " > " + max.ToString(CultureInfo.InvariantCulture) + "UL)", target, member.TypeName, max.ToString(CultureInfo.InvariantCulture));
        }

        w.Line();
    }

    private static void EmitClampBranch(SourceWriter w, string condition, string target, string typeName, string limit)
    {
        w.Open(condition);
        w.Line(target + " = unchecked((" + typeName + ")" + limit + ");");
        w.Line("clamped++;");
        w.Close();
    }

    /// <summary>Strings longer than their limit are cut (never inside a surrogate pair), unpaired surrogates replaced, and counted.</summary>
    private static void EmitTruncate(SourceWriter w, ReplicatedMemberModel member, string value, string target) =>
        w.Line(target + " = global::Travelers.Quantization.FitText(" + value + ", " + Int(MaxChars(member)) + ", ref clamped);");

    private static void EmitApply(SourceWriter w, EntityModel m, string iface)
    {
        w.Open("static void " + iface + ".Apply(" + m.TypeName + " entity, in State state)");
        foreach (ReplicatedMemberModel member in m.Members)
        {
            string bang = member.Kind == ReplicatedKind.String && !member.IsAnnotated ? "!" : string.Empty;
            string target = member.Property is not null ? "entity.__" + member.Name : "entity." + Id(member.Name);
            w.Line(target + " = state." + Id(member.Name) + bang + ";" + (member.IsInherited && !member.IsField ? " // inherited: through its setter" : string.Empty));
        }

        w.Close();
    }

    private static void EmitStatesEqual(SourceWriter w, EntityModel m, string iface)
    {
        w.Line("static bool " + iface + ".StatesEqual(in State a, in State b) =>");
        for (int i = 0; i < m.Members.Count; i++)
        {
            string last = i == m.Members.Count - 1 ? ";" : string.Empty;
            w.Line("    " + (i > 0 ? "&& " : string.Empty) + Same(m.Members[i], "a", "b") + last);
        }

        if (m.Members.Count == 0)
        {
            w.Line("    true;");
        }
    }

    private static string Differs(ReplicatedMemberModel member, string a, string b)
    {
        string same = Same(member, a, b);
        return same.StartsWith("__Same(", System.StringComparison.Ordinal) ? "!" + same : same.Replace(" == ", " != ");
    }

    /// <summary>Whether the member is the same in two states, as the wire sees it: floats by their bits, so NaN equals NaN and -0 differs from 0.</summary>
    private static string Same(ReplicatedMemberModel member, string a, string b)
    {
        string name = "." + Id(member.Name);
        return member.Kind switch
        {
            ReplicatedKind.Single or ReplicatedKind.Double or ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4 or ReplicatedKind.Quaternion
                => "__Same(" + a + name + ", " + b + name + ")",
            _ => a + name + " == " + b + name,
        };
    }

    /// <summary>The private helpers the members need: bitwise float comparison, normalized slerp.</summary>
    private static void EmitHelpers(SourceWriter w, EntityModel m)
    {
        var kinds = new HashSet<ReplicatedKind>();
        foreach (ReplicatedMemberModel member in m.Members)
        {
            kinds.Add(member.Kind);
        }

        bool floats = kinds.Contains(ReplicatedKind.Single) || kinds.Overlaps(new[] { ReplicatedKind.Vector2, ReplicatedKind.Vector3, ReplicatedKind.Vector4, ReplicatedKind.Quaternion });
        if (floats)
        {
            w.Line();
            w.Line("private static bool __Same(float a, float b) => global::System.BitConverter.SingleToInt32Bits(a) == global::System.BitConverter.SingleToInt32Bits(b);");
        }

        if (kinds.Contains(ReplicatedKind.Double))
        {
            w.Line();
            w.Line("private static bool __Same(double a, double b) => global::System.BitConverter.DoubleToInt64Bits(a) == global::System.BitConverter.DoubleToInt64Bits(b);");
        }

        foreach (ReplicatedKind kind in new[] { ReplicatedKind.Vector2, ReplicatedKind.Vector3, ReplicatedKind.Vector4, ReplicatedKind.Quaternion })
        {
            if (kinds.Contains(kind))
            {
                w.Line();
                w.Line("private static bool __Same(" + Numerics + kind + " a, " + Numerics + kind + " b) => " + string.Join(" && ", Components(kind, c => "__Same(a." + c + ", b." + c + ")")) + ";");
            }
        }

        if (kinds.Contains(ReplicatedKind.Quaternion))
        {
            w.Line();
            w.Line("/// <summary>Spherical interpolation (extrapolation past 1), normalized; a zero (never set) rotation stays zero.</summary>");
            w.Open("private static " + Numerics + "Quaternion __Slerp(" + Numerics + "Quaternion from, " + Numerics + "Quaternion to, float t)");
            w.Line(Numerics + "Quaternion q = " + Numerics + "Quaternion.Slerp(from, to, t);");
            w.Line("return q.LengthSquared() > 0f ? " + Numerics + "Quaternion.Normalize(q) : q;");
            w.Close();
        }
    }

    /// <summary>How the generated code reads a member: the backing field of the type's own partial properties, else the member itself.</summary>
    private static string Get(ReplicatedMemberModel member) => member.Property is not null ? "entity.__" + member.Name : "entity." + Id(member.Name);

    /// <summary>The State field's type: a string may be null on the wire whatever the member says.</summary>
    private static string StateType(ReplicatedMemberModel member) =>
        member.Kind == ReplicatedKind.String && !member.IsAnnotated ? member.TypeName + "?" : member.TypeName;

    /// <summary>The most chars a string member carries: [MaxLength], or as many as always fit the 65,536 UTF-8 bytes allowed without it.</summary>
    private static int MaxChars(ReplicatedMemberModel member) => member.MaxLength > 0 ? member.MaxLength : DefaultMaxBytes / 3;

    /// <summary>UTF-8 bytes a string member may take: 3 per char of [MaxLength] (a char, or half a surrogate pair, is at most 3 bytes), else 65,536.</summary>
    private static int MaxBytes(ReplicatedMemberModel member) => member.MaxLength > 0 ? checked(member.MaxLength * 3) : DefaultMaxBytes;

    private const int DefaultMaxBytes = 65536;

    private static bool IsVector(ReplicatedKind kind) => kind is ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4;

    private static IEnumerable<string> Components(ReplicatedKind kind, System.Func<string, string> each)
    {
        string[] names = kind switch
        {
            ReplicatedKind.Vector2 => new[] { "X", "Y" },
            ReplicatedKind.Vector3 => new[] { "X", "Y", "Z" },
            _ => new[] { "X", "Y", "Z", "W" },
        };
        foreach (string name in names)
        {
            yield return each(name);
        }
    }

    private static int IntegerWidth(ReplicatedKind kind) => Parser.ReplicatedMemberReader.IntegerWidth(kind);

    private static bool IsSigned(ReplicatedKind kind) => kind is ReplicatedKind.SByte or ReplicatedKind.Int16 or ReplicatedKind.Int32 or ReplicatedKind.Int64;

    /// <summary>A member name as an identifier: keywords get '@'.</summary>
    private static string Id(string name) => Identifiers.Escape(name);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Literal(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
