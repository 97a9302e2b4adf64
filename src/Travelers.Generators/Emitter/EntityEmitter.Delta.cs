using System.Globalization;
using System.Linq;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;

namespace Travelers.Generators.Emitter;

/// <summary>The bit packing of an entity's state (WriteDelta, ReadDelta) and its interpolation.</summary>
internal static partial class EntityEmitter
{
    /// <summary>
    /// A mask of one bit per member (in words of 32 bits), then each changed member. A changed bool needs no
    /// payload (it is the baseline's negation); integers and quantized floats are written relative to the baseline.
    /// </summary>
    private static void EmitWriteDelta(SourceWriter w, EntityModel m, string iface)
    {
        w.Open("static void " + iface + ".WriteDelta(ref " + Rt + "BitWriter writer, in State state, in State baseline)");
        int words = Words(m);
        for (int word = 0; word < words; word++)
        {
            w.Line("uint " + Mask(m, word) + " = 0;");
        }

        for (int i = 0; i < m.Members.Count; i++)
        {
            w.Open("if (" + Differs(m.Members[i], "state", "baseline") + ")");
            w.Line(Mask(m, i / 32) + " |= 1u << " + Int(i % 32) + ";");
            w.Close();
        }

        for (int word = 0; word < words; word++)
        {
            w.Line("writer.WriteBits(" + Mask(m, word) + ", " + Int(WordBits(m, word)) + ");");
        }

        for (int i = 0; i < m.Members.Count; i++)
        {
            ReplicatedMemberModel member = m.Members[i];
            if (member.Kind == ReplicatedKind.Boolean)
            {
                continue;
            }

            w.Line();
            w.Open("if (" + Changed(m, i) + ")");
            EmitWrite(w, member, "state." + Id(member.Name), "baseline." + Id(member.Name));
            w.Close();
        }

        w.Close();
    }

    private static void EmitWrite(SourceWriter w, ReplicatedMemberModel member, string value, string baseline)
    {
        switch (member.Kind)
        {
            case ReplicatedKind.Single when member.Quantize is not null:
                w.Line("writer.WriteRelative(__" + member.Name + "Step(" + value + "), __" + member.Name + "Step(" + baseline + "), __" + member.Name + "Bits);");
                break;
            case ReplicatedKind.Single:
                w.Line("writer.WriteSingle(" + value + ");");
                break;
            case ReplicatedKind.Double:
                w.Line("writer.WriteDouble(" + value + ");");
                break;
            case ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4 when member.Quantize is not null:
                foreach (string c in Components(member.Kind, c => c))
                {
                    w.Line("writer.WriteRelative(__" + member.Name + "Step(" + value + "." + c + "), __" + member.Name + "Step(" + baseline + "." + c + "), __" + member.Name + "Bits);");
                }

                break;
            case ReplicatedKind.Quaternion when member.Bits > 0:
                w.Line(Rt + "Quantization.WriteQuaternion(ref writer, " + value + ", " + Int(member.Bits) + ");");
                break;
            case ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4 or ReplicatedKind.Quaternion:
                foreach (string c in Components(member.Kind, c => c))
                {
                    w.Line("writer.WriteSingle(" + value + "." + c + ");");
                }

                break;
            case ReplicatedKind.String:
                w.Line("writer.WriteString(" + value + ", " + Int(MaxBytes(member)) + ");");
                break;
            case ReplicatedKind.NetId:
                w.Line("writer.WriteBits(" + value + ".Value, 32);");
                break;
            case ReplicatedKind.Int64 or ReplicatedKind.UInt64:
                w.Line("writer.WriteUInt64(" + Encode(member, value) + ", " + Int(Width(member)) + ");");
                break;
            default:
                w.Line("writer.WriteRelative(" + Encode(member, value) + ", " + Encode(member, baseline) + ", " + Int(Width(member)) + ");");
                break;
        }
    }

    /// <summary>
    /// Reads the mask and each changed member over a copy of the baseline. False when the input ran out or holds
    /// what no Travelers server writes: a step past a quantized member's maximum, a string over its [MaxLength].
    /// </summary>
    private static void EmitReadDelta(SourceWriter w, EntityModel m, string iface)
    {
        w.Open("static bool " + iface + ".ReadDelta(ref " + Rt + "BitReader reader, in State baseline, out State state)");
        for (int word = 0; word < Words(m); word++)
        {
            w.Line("uint " + Mask(m, word) + " = reader.ReadBits(" + Int(WordBits(m, word)) + ");");
        }

        w.Line("state = baseline;");

        // A value out of range does not end the read: the whole record is read, so that a caller reading against a
        // baseline it does not have (where a valid delta can land out of range) can still skip to the next record.
        bool checks = m.Members.Any(HasValueCheck);
        if (checks)
        {
            w.Line("bool valid = true;");
        }

        for (int i = 0; i < m.Members.Count; i++)
        {
            w.Line();
            w.Open("if (" + Changed(m, i) + ")");
            EmitRead(w, m.Members[i], "state." + Id(m.Members[i].Name), "baseline." + Id(m.Members[i].Name));
            w.Close();
        }

        w.Line();
        w.Line(checks ? "return valid && !reader.IsOverrun && !reader.IsInvalid;" : "return !reader.IsOverrun && !reader.IsInvalid;");
        w.Close();
    }

    /// <summary>Whether <see cref="EmitRead"/> checks the member's value (a quantized step's range, a string's length in chars).</summary>
    private static bool HasValueCheck(ReplicatedMemberModel member) => member.Kind switch
    {
        ReplicatedKind.Single or ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4 => member.Quantize is not null,
        ReplicatedKind.String => true,
        _ => false,
    };

    private static void EmitRead(SourceWriter w, ReplicatedMemberModel member, string target, string baseline)
    {
        string stem = "__" + member.Name;
        switch (member.Kind)
        {
            case ReplicatedKind.Boolean:
                w.Line(target + " = !" + baseline + ";");
                break;
            case ReplicatedKind.Single when member.Quantize is not null:
                w.Line("uint step = reader.ReadRelative(" + stem + "Step(" + baseline + "), " + stem + "Bits);");
                EmitRejectSteps(w, stem, new[] { "step" });
                w.Line(target + " = " + stem + "Value(step);");
                break;
            case ReplicatedKind.Single:
                w.Line(target + " = reader.ReadSingle();");
                break;
            case ReplicatedKind.Double:
                w.Line(target + " = reader.ReadDouble();");
                break;
            case ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4 when member.Quantize is not null:
            {
                string[] steps = Components(member.Kind, c => c.ToLowerInvariant()).ToArray();
                foreach (string c in Components(member.Kind, c => c))
                {
                    w.Line("uint " + c.ToLowerInvariant() + " = reader.ReadRelative(" + stem + "Step(" + baseline + "." + c + "), " + stem + "Bits);");
                }

                EmitRejectSteps(w, stem, steps);
                w.Line(target + " = new " + member.TypeName + "(" + string.Join(", ", steps.Select(s => stem + "Value(" + s + ")")) + ");");
                break;
            }

            case ReplicatedKind.Quaternion when member.Bits > 0:
                w.Line(target + " = " + Rt + "Quantization.ReadQuaternion(ref reader, " + Int(member.Bits) + ");");
                break;
            case ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4 or ReplicatedKind.Quaternion:
                w.Line(target + " = new " + member.TypeName + "(" + string.Join(", ", Components(member.Kind, _ => "reader.ReadSingle()")) + ");");
                break;
            case ReplicatedKind.String:
                w.Line("string? text = reader.ReadString(" + Int(MaxBytes(member)) + ");");
                w.Open("if (text is not null && text.Length > " + Int(MaxChars(member)) + ")");
                w.Line("valid = false;");
                w.Close();
                w.Line();
                w.Line(target + " = text;");
                break;
            case ReplicatedKind.NetId:
                w.Line(target + " = new " + Rt + "NetId(reader.ReadBits(32));");
                break;
            case ReplicatedKind.Int64 or ReplicatedKind.UInt64:
                w.Line(target + " = " + Decode(member, "reader.ReadUInt64(" + Int(Width(member)) + ")") + ";");
                break;
            default:
                w.Line(target + " = " + Decode(member, "reader.ReadRelative(" + Encode(member, baseline) + ", " + Int(Width(member)) + ")") + ";");
                break;
        }
    }

    private static void EmitRejectSteps(SourceWriter w, string stem, string[] steps)
    {
        w.Open("if (" + string.Join(" || ", steps.Select(s => s + " > " + stem + "MaxStep")) + ")");
        w.Line("valid = false;");
        w.Close();
        w.Line();
    }

    /// <summary>Floats, doubles and vectors are interpolated linearly and quaternions spherically, with t unclamped (past 1 extrapolates); the rest switch at t = 1.</summary>
    private static void EmitInterpolate(SourceWriter w, EntityModel m, string iface)
    {
        w.Open("static State " + iface + ".Interpolate(in State from, in State to, float t)");
        w.Line("State result = t < 1f ? from : to;");
        foreach (ReplicatedMemberModel member in m.Members)
        {
            string name = Id(member.Name);
            string? blended = member.Kind switch
            {
                ReplicatedKind.Single => "from." + name + " + ((to." + name + " - from." + name + ") * t)",
                ReplicatedKind.Double => "from." + name + " + ((to." + name + " - from." + name + ") * t)",
                ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4 => Numerics + member.Kind + ".Lerp(from." + name + ", to." + name + ", t)",
                ReplicatedKind.Quaternion => "__Slerp(from." + name + ", to." + name + ", t)",
                _ => null,
            };
            if (blended is not null)
            {
                w.Line("result." + name + " = " + blended + ";");
            }
        }

        w.Line("return result;");
        w.Close();
    }

    /// <summary>An integer as the unsigned number the wire carries: signed values in offset binary (value + 2^(w-1)).</summary>
    private static string Encode(ReplicatedMemberModel member, string value)
    {
        bool wide = member.Kind is ReplicatedKind.Int64 or ReplicatedKind.UInt64;
        if (!IsSigned(member.Kind))
        {
            return "unchecked((" + (wide ? "ulong" : "uint") + ")" + value + ")";
        }

        // Smaller types and enums widen to int or long first, so that the conversion sign-extends.
        bool native = !member.IsEnum && member.Kind is ReplicatedKind.Int32 or ReplicatedKind.Int64;
        string widened = native ? string.Empty : wide ? "(long)" : "(int)";
        return "unchecked((" + (wide ? "ulong" : "uint") + ")" + widened + value + " + " + Offset(member) + ")";
    }

    private static string Decode(ReplicatedMemberModel member, string encoded)
    {
        bool wide = member.Kind is ReplicatedKind.Int64 or ReplicatedKind.UInt64;
        string type = member.TypeName;
        if (!IsSigned(member.Kind))
        {
            return member.Kind is ReplicatedKind.UInt32 or ReplicatedKind.UInt64 && !member.IsEnum ? encoded : "unchecked((" + type + ")" + encoded + ")";
        }

        string cast = member.Kind is ReplicatedKind.Int32 or ReplicatedKind.Int64 && !member.IsEnum ? string.Empty : "(" + type + ")";
        return "unchecked(" + cast + "(" + (wide ? "long" : "int") + ")(" + encoded + " - " + Offset(member) + "))";
    }

    /// <summary>2^(w-1), the offset of a signed value of w bits.</summary>
    private static string Offset(ReplicatedMemberModel member)
    {
        ulong offset = 1UL << (Width(member) - 1);
        return "0x" + offset.ToString("X", CultureInfo.InvariantCulture) + (member.Kind is ReplicatedKind.Int64 ? "UL" : "u");
    }

    /// <summary>The bits an integer takes: [Bits], else its type's width.</summary>
    private static int Width(ReplicatedMemberModel member) => member.Bits > 0 ? member.Bits : IntegerWidth(member.Kind);

    private static int Words(EntityModel m) => (m.Members.Count + 31) / 32;

    private static int WordBits(EntityModel m, int word) => System.Math.Min(32, m.Members.Count - (word * 32));

    private static string Mask(EntityModel m, int word) => m.Members.Count <= 32 ? "changed" : "changed" + Int(word);

    private static string Changed(EntityModel m, int index) => "(" + Mask(m, index / 32) + " & (1u << " + Int(index % 32) + ")) != 0";
}
