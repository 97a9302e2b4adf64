using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;

namespace Travelers.Generators.Emitter;

/// <summary>Writes one message's serializer: the INetMessage implementation as a partial of the user's type.</summary>
internal static class MessageEmitter
{
    private const string Rt = "global::Travelers.";

    public static string Emit(MessageModel m)
    {
        var w = new SourceWriter();
        int opened = w.BeginFile("obsolete members still go on the wire", m.Namespace, m.ContainingTypes);
        EmitType(w, m);
        w.EndFile(opened);
        return w.ToString();
    }

    /// <summary>Writes the partial declaration of <paramref name="m"/> that implements INetMessage, where <paramref name="w"/> stands (RPC call structs are written inside their entity's file).</summary>
    public static void EmitType(SourceWriter w, MessageModel m)
    {
        string iface = Rt + "INetMessage<" + m.TypeName + ">";
        w.Open((m.IsReadOnly ? "readonly " : string.Empty) + "partial " + m.Keyword + " " + Id(m.Name) + " : " + iface);
        w.Line("static ulong " + iface + ".MessageId => 0x" + m.Id.ToString("X16", CultureInfo.InvariantCulture) + "UL;");
        w.Line();
        w.Line("static string " + iface + ".MessageSchema => " + Literal(m.Schema) + ";");
        if (!m.RunsUserCode)
        {
            w.Line();
            w.Line("// Fields, auto-properties and trivial initializers only: nothing here can throw but Travelers itself.");
            w.Line("static bool " + iface + ".RunsUserCode => false;");
        }

        EmitPackedSize(w, m, iface);
        w.Line();
        EmitSerialize(w, m, iface);
        w.Line();
        EmitDeserialize(w, m, iface);
        w.Close();
    }

    /// <summary>Version-tolerant messages read each member only when present, so they have no runs.</summary>
    private static bool UsesRuns(MessageModel m) => !m.VersionTolerant;

    private static bool InRun(MemberModel member) => member.Type.IsBlittableWire && !member.VarInt;

    /// <summary>A run of fields only can be one block copy, when memory and wire layouts agree.</summary>
    private static bool CanCopyBlock(MessageModel m, int start, int count)
    {
        for (int i = start; i < start + count; i++)
        {
            if (!m.Members[i].IsField)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSmallFixedStruct(MessageModel m) =>
        m.IsValueType && !m.VersionTolerant && m.Members.Count is > 0 and <= 16 && m.Members.All(x => x.Type.FixedSize > 0 && !x.VarInt);

    private static int RunSize(MessageModel m, int start, int count)
    {
        int size = 0;
        for (int i = start; i < start + count; i++)
        {
            size += m.Members[i].Type.FixedSize;
        }

        return size;
    }

    /// <summary>The wire widths of a run's members as a byte-array literal, which C# turns into static data.</summary>
    private static string Widths(MessageModel m, int start, int count)
    {
        var widths = new string[count];
        for (int i = 0; i < count; i++)
        {
            widths[i] = Int(m.Members[start + i].Type.FixedSize);
        }

        return "new byte[] { " + string.Join(", ", widths) + " }";
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A member name as an identifier: keywords get '@' (RPC arguments arrive escaped already).</summary>
    private static string Id(string name) => Identifiers.Escape(name);

    /// <summary>The local a member is read into before construction: "__v_" and the name without its '@'.</summary>
    private static string Local(string name) => "__v_" + name.TrimStart('@');

    /// <summary>Members grouped into runs of block-copyable fields (two or more) and single members.</summary>
    private static List<(int Start, int Count)> Segments(MessageModel m)
    {
        var segments = new List<(int, int)>();
        int i = 0;
        while (i < m.Members.Count)
        {
            int end = i;
            if (UsesRuns(m))
            {
                while (end < m.Members.Count && InRun(m.Members[end]))
                {
                    end++;
                }
            }

            int count = end - i >= 2 ? end - i : 1;
            segments.Add((i, count));
            i += count;
        }

        return segments;
    }

    private static void EmitPackedSize(SourceWriter w, MessageModel m, string iface)
    {
        if (!m.IsValueType || !m.AssignsInPlace || !UsesRuns(m) || m.Members.Count == 0 || !m.Members.All(x => InRun(x) && x.IsField))
        {
            return;
        }

        int size = m.Members.Sum(x => x.Type.FixedSize);
        w.Line();
        w.Line("// Its wire bytes are its memory bytes when the fields lie contiguously from offset 0 on a");
        w.Line("// little-endian machine: arrays of it are then copied as blocks.");
        w.Line("private static readonly int __travelersPackedSize = __TravelersComputePackedSize();");
        w.Line();
        w.Line("static int " + iface + ".PackedSize => __travelersPackedSize;");
        w.Line();
        w.Open("private static int __TravelersComputePackedSize()");
        w.Line(m.TypeName + " value = default;");
        w.Line("return global::System.BitConverter.IsLittleEndian");
        w.Line("    && " + Rt + "NetLayout.IsAtStart(in value, in value." + Id(m.Members[0].Name) + ")");
        foreach (string check in ContiguityChecks(m, 0, m.Members.Count))
        {
            w.Line("    && " + check);
        }

        w.Line("    ? " + size.ToString(CultureInfo.InvariantCulture) + " : 0;");
        w.Close();
    }

    /// <summary>Opens <c>if (little-endian &amp;&amp; each field where the wire puts it)</c>, one check a line.</summary>
    private static void OpenLayoutCheck(SourceWriter w, MessageModel m, int start, int count)
    {
        w.Line("if (global::System.BitConverter.IsLittleEndian");
        List<string> checks = ContiguityChecks(m, start, count).ToList();
        for (int i = 0; i < checks.Count; i++)
        {
            w.Line("    && " + checks[i] + (i == checks.Count - 1 ? ")" : string.Empty));
        }

        w.Open();
    }

    private static IEnumerable<string> ContiguityChecks(MessageModel m, int start, int count)
    {
        int offset = 0;
        for (int i = start; i < start + count; i++)
        {
            if (i > start)
            {
                yield return Rt + "NetLayout.IsAt(in value." + Id(m.Members[start].Name) + ", in value." + Id(m.Members[i].Name) + ", " + offset.ToString(CultureInfo.InvariantCulture) + ")";
            }

            offset += m.Members[i].Type.FixedSize;
        }
    }

    private static void EmitSerialize(SourceWriter w, MessageModel m, string iface)
    {
        if (IsSmallFixedStruct(m))
        {
            // Small fixed-size structs inline into their callers: the call costs more than the body.
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        }

        w.Open("static void " + iface + ".Serialize(ref " + Rt + "NetWriter writer, in " + m.TypeName + " value)");
        if (m.Members.Count == 0)
        {
            if (m.VersionTolerant)
            {
                w.Line("var __body = writer.CreateScratch();");
                w.Line("writer.WriteSection(0, ref __body);");
                w.Line("__body.Dispose();");
            }

            w.Close();
            return;
        }

        var names = new Names();
        string output = m.VersionTolerant ? "__body" : "writer";
        if (m.VersionTolerant)
        {
            w.Line("var __body = writer.CreateScratch();");
            w.Open("try");
        }

        foreach ((int start, int count) in Segments(m))
        {
            if (count > 1)
            {
                int size = RunSize(m, start, count);
                w.Line("// " + m.Members[start].Name + " to " + m.Members[start + count - 1].Name + ": " + Int(size) + " bytes of fixed-width members, bounds checked once.");
                SetMember(w, output, start);
                bool block = CanCopyBlock(m, start, count);
                if (block)
                {
                    OpenLayoutCheck(w, m, start, count);
                    w.Line(output + ".WriteRaw(" + Rt + "NetLayout.AsBytes(in value." + Id(m.Members[start].Name) + ", " + Int(size) + "));");
                    w.Close();
                    w.Open("else");
                }
                else
                {
                    w.Open();
                }

                string run = names.Next("run");
                w.Line("ref byte " + run + " = ref " + output + ".ReserveRun(" + Int(size) + ");");
                int offset = 0;
                for (int i = start; i < start + count; i++)
                {
                    MemberModel member = m.Members[i];
                    w.Line(Rt + "NetLayout.Write(ref " + run + ", " + Int(offset) + ", value." + Id(member.Name) + ");");
                    offset += member.Type.FixedSize;
                }

                w.Close();
            }
            else
            {
                MemberModel member = m.Members[start];
                SetMember(w, output, start);
                WriteValue(w, member.Type, "value." + Id(member.Name), member.MaxLength, member.VarInt, output, names);
            }
        }

        if (m.VersionTolerant)
        {
            w.Line("writer.WriteSection(" + Int(m.Members.Count) + ", ref __body);");
            w.Close();
            w.Open("finally");
            w.Line("__body.Dispose();");
            w.Close();
        }

        w.Close();
    }

    /// <summary>Tells the writer or reader which member comes next, so an error names it (members start at 0).</summary>
    private static void SetMember(SourceWriter w, string target, int index)
    {
        if (index > 0)
        {
            w.Line(target + ".MemberIndex = " + Int(index) + ";");
        }
    }

    private static void EmitDeserialize(SourceWriter w, MessageModel m, string iface)
    {
        if (IsSmallFixedStruct(m))
        {
            // Small fixed-size structs inline into their callers: the call costs more than the body.
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        }

        w.Open("static " + m.TypeName + " " + iface + ".Deserialize(ref " + Rt + "NetReader reader)");
        string input = m.VersionTolerant ? "__section" : "reader";
        if (m.Members.Count == 0)
        {
            if (m.VersionTolerant)
            {
                w.Line("reader.ReadSection(out _);");
            }

            w.Line("return new " + m.TypeName + "();");
            w.Close();
            return;
        }

        var names = new Names();
        if (m.VersionTolerant)
        {
            // Members this version does not know are skipped with the section; missing ones keep their defaults.
            w.Line("var __section = reader.ReadSection(out int __count);");
        }

        if (m.AssignsInPlace)
        {
            w.Line("var value = new " + m.TypeName + "();");
        }

        foreach ((int start, int count) in Segments(m))
        {
            if (count > 1)
            {
                int size = RunSize(m, start, count);
                // Member by member from one taken span, not one block copy: a block copied into the
                // struct and the struct copied out again stalls on store forwarding (measured ~5x slower).
                // The widths let a cut run name the member that is cut, from out-of-line code.
                string run = names.Next("run");
                w.Line("ref readonly byte " + run + " = ref " + input + ".ReadRun(" + Int(size) + ", " + Int(start) + ", " + Widths(m, start, count) + ");");
                EmitRunReads(w, m, start, count, run, m.AssignsInPlace ? "value." : null);
                continue;
            }

            SetMember(w, input, start);
            MemberModel member = m.Members[start];
            if (m.AssignsInPlace)
            {
                if (m.VersionTolerant)
                {
                    w.Open("if (__count > " + Int(start) + ")");
                }

                string expr = ReadValue(w, member.Type, member.MaxLength, member.VarInt, input, names);
                w.Line("value." + Id(member.Name) + " = " + expr + member.Type.Bang + ";");
                if (m.VersionTolerant)
                {
                    w.Close();
                }
            }
            else if (m.VersionTolerant)
            {
                string local = Local(member.Name);
                w.Line(member.Type.TypeName + " " + local + " = default!;");
                w.Open("if (__count > " + Int(start) + ")");
                string expr = ReadValue(w, member.Type, member.MaxLength, member.VarInt, input, names);
                w.Line(local + " = " + expr + member.Type.Bang + ";");
                w.Close();
            }
            else
            {
                string expr = ReadValue(w, member.Type, member.MaxLength, member.VarInt, input, names);
                w.Line(member.Type.TypeName + " " + Local(member.Name) + " = " + expr + member.Type.Bang + ";");
            }
        }

        if (m.AssignsInPlace)
        {
            w.Line("return value;");
        }
        else
        {
            IEnumerable<string> arguments = m.Members.Where(x => x.ConstructorParameter >= 0).OrderBy(x => x.ConstructorParameter).Select(x => Local(x.Name));
            List<string> initializers = m.Members.Where(x => x.ConstructorParameter < 0).Select(x => Id(x.Name) + " = " + Local(x.Name)).ToList();
            string creation = "new " + m.TypeName + "(" + string.Join(", ", arguments) + ")";
            if (initializers.Count > 0)
            {
                w.Line("return " + creation);
                w.Line("{");
                foreach (string initializer in initializers)
                {
                    w.Line("    " + initializer + ",");
                }

                w.Line("};");
            }
            else
            {
                w.Line("return " + creation + ";");
            }
        }

        w.Close();
    }

    /// <summary>Reads each member of a run from its offset: into <paramref name="target"/> members, or into new locals when it is null.</summary>
    private static void EmitRunReads(SourceWriter w, MessageModel m, int start, int count, string run, string? target)
    {
        int offset = 0;
        for (int i = start; i < start + count; i++)
        {
            MemberModel member = m.Members[i];
            string read = Rt + "NetLayout.Read<" + member.Type.TypeName + ">(in " + run + ", " + Int(offset) + ")";
            w.Line(target is null ? member.Type.TypeName + " " + Local(member.Name) + " = " + read + ";" : target + Id(member.Name) + " = " + read + ";");
            offset += member.Type.FixedSize;
        }
    }

    private static void WriteValue(SourceWriter w, TypeModel t, string expr, int max, bool varInt, string output, Names names)
    {
        string maxText = max.ToString(CultureInfo.InvariantCulture);
        switch (t.Kind)
        {
            case WireKind.String:
                w.Line(output + ".WriteString(" + expr + ", " + maxText + ");");
                return;
            case WireKind.ByteArray:
                w.Line(output + ".WriteBytes(" + expr + ", " + maxText + ");");
                return;
            case WireKind.ByteMemory:
                w.Line(output + ".WriteBytes(" + expr + ".Span, " + maxText + ");");
                return;
            case WireKind.Enum:
                WriteValue(w, t.Element!, "(" + t.Element!.TypeName + ")" + expr, 0, varInt, output, names);
                return;
            case WireKind.Message:
                w.Line(output + (t.IsReferenceType ? ".WriteMessageOrNull<" : ".WriteMessage<") + Strip(t.TypeName) + ">(" + expr + ");");
                return;
            case WireKind.Custom:
                w.Line(t.Serializer + ".Write(ref " + output + ", " + expr + ");");
                return;
            case WireKind.Nullable:
            {
                string n = names.Next("nullable");
                w.Line("var " + n + " = " + expr + ";");
                w.Open("if (" + n + ".HasValue)");
                w.Line(output + ".WriteByte(1);");
                WriteValue(w, t.Element!, n + ".GetValueOrDefault()", max, false, output, names); // [MaxLength] bounds the value inside
                w.Close();
                w.Open("else");
                w.Line(output + ".WriteByte(0);");
                w.Close();
                return;
            }

            case WireKind.Array:
            case WireKind.List:
            case WireKind.HashSet:
            case WireKind.Dictionary:
                WriteCollection(w, t, expr, maxText, output, names);
                return;
        }

        w.Line(output + "." + WriteMethod(t.Kind, varInt) + "(" + VarIntCast(t.Kind, varInt) + expr + ");");
    }

    private static void WriteCollection(SourceWriter w, TypeModel t, string expr, string maxText, string output, Names names)
    {
        string c = names.Next("collection");
        string count = t.Kind == WireKind.Array ? c + ".Length" : c + ".Count";
        w.Line("var " + c + " = " + expr + ";");
        w.Open("if (" + c + " is null)");
        w.Line(output + ".WriteCount(-1);");
        w.Close();
        w.Open("else");
        w.Line(output + ".WriteCount(" + count + ", " + maxText + ");");
        TypeModel e = t.Element!;
        string span = t.Kind == WireKind.Array ? c : "global::System.Runtime.InteropServices.CollectionsMarshal.AsSpan(" + c + ")";
        switch (t.Kind)
        {
            case WireKind.Array or WireKind.List when e.IsBlittableWire:
                w.Line(output + ".WritePrimitives<" + e.TypeName + ">(" + span + ");");
                break;
            case WireKind.Array or WireKind.List:
            {
                bool packed = e.Kind == WireKind.Message && !e.IsReferenceType;
                if (packed)
                {
                    w.Open("if (!" + output + ".TryWritePacked<" + e.TypeName + ">(" + span + "))");
                }

                string i = names.Next("i");
                w.Open("for (int " + i + " = 0; " + i + " < " + count + "; " + i + "++)");
                WriteValue(w, e, c + "[" + i + "]", 0, false, output, names);
                w.Close();
                if (packed)
                {
                    w.Close();
                }

                break;
            }

            case WireKind.HashSet:
            {
                string item = names.Next("item");
                w.Open("foreach (var " + item + " in " + c + ")");
                WriteValue(w, e, item, 0, false, output, names);
                w.Close();
                break;
            }

            default:
            {
                string entry = names.Next("entry");
                w.Open("foreach (var " + entry + " in " + c + ")");
                WriteValue(w, t.Key!, entry + ".Key", 0, false, output, names);
                WriteValue(w, e, entry + ".Value", 0, false, output, names);
                w.Close();
                break;
            }
        }

        w.Close();
    }

    /// <summary>Emits any statements a read needs and returns the expression holding the value read.</summary>
    private static string ReadValue(SourceWriter w, TypeModel t, int max, bool varInt, string input, Names names)
    {
        string maxText = max.ToString(CultureInfo.InvariantCulture);
        switch (t.Kind)
        {
            case WireKind.String:
                return input + ".ReadString(" + maxText + ")";
            case WireKind.ByteArray:
                return input + ".ReadBytes(" + maxText + ")";
            case WireKind.ByteMemory:
                return "new global::System.ReadOnlyMemory<byte>(" + input + ".ReadBytes(" + maxText + "))";
            case WireKind.Enum:
                return "(" + t.TypeName + ")" + ReadValue(w, t.Element!, 0, varInt, input, names);
            case WireKind.Message:
                return input + (t.IsReferenceType ? ".ReadMessageOrNull<" : ".ReadMessage<") + Strip(t.TypeName) + ">()";
            case WireKind.Custom:
                return t.Serializer + ".Read(ref " + input + ")";
            case WireKind.Nullable:
            {
                string n = names.Next("nullable");
                w.Line(t.TypeName + " " + n + " = null;");
                w.Open("if (" + input + ".ReadPresence())");
                string inner = ReadValue(w, t.Element!, max, false, input, names);
                w.Line(n + " = " + inner + ";");
                w.Close();
                return n;
            }

            case WireKind.Array:
            case WireKind.List:
            case WireKind.HashSet:
            case WireKind.Dictionary:
                return ReadCollection(w, t, maxText, input, names);
        }

        string read = input + "." + ReadMethod(t.Kind, varInt) + "()";
        return varInt && t.Kind is WireKind.Char ? "(char)" + read : read;
    }

    private static string ReadCollection(SourceWriter w, TypeModel t, string maxText, string input, Names names)
    {
        TypeModel e = t.Element!;
        string c = names.Next("collection");
        string n = names.Next("count");
        string i = names.Next("i");
        int min = e.MinWireSize + (t.Key?.MinWireSize ?? 0);
        w.Line(Strip(t.TypeName) + "? " + c + " = null;");
        w.Line("int " + n + " = " + input + ".ReadCount(" + maxText + ", " + min.ToString(CultureInfo.InvariantCulture) + ");");
        w.Open("if (" + n + " >= 0)");
        switch (t.Kind)
        {
            case WireKind.Array:
            {
                w.Line(c + " = " + NewArray(e, n) + ";");
                if (e.IsBlittableWire)
                {
                    w.Line(input + ".ReadPrimitives<" + e.TypeName + ">(" + c + ");");
                    break;
                }

                bool packed = e.Kind == WireKind.Message && !e.IsReferenceType;
                if (packed)
                {
                    w.Open("if (!" + input + ".TryReadPacked<" + e.TypeName + ">(" + c + "))");
                }

                w.Open("for (int " + i + " = 0; " + i + " < " + n + "; " + i + "++)");
                string item = ReadValue(w, e, 0, false, input, names);
                w.Line(c + "[" + i + "] = " + item + e.Bang + ";");
                w.Close();
                if (packed)
                {
                    w.Close();
                }

                break;
            }

            case WireKind.List:
            {
                w.Line(c + " = new " + Strip(t.TypeName) + "(" + n + ");");
                if (e.IsBlittableWire)
                {
                    w.Line("global::System.Runtime.InteropServices.CollectionsMarshal.SetCount(" + c + ", " + n + ");");
                    w.Line(input + ".ReadPrimitives<" + e.TypeName + ">(global::System.Runtime.InteropServices.CollectionsMarshal.AsSpan(" + c + "));");
                    break;
                }

                w.Open("for (int " + i + " = 0; " + i + " < " + n + "; " + i + "++)");
                string item = ReadValue(w, e, 0, false, input, names);
                w.Line(c + ".Add(" + item + e.Bang + ");");
                w.Close();
                break;
            }

            case WireKind.HashSet:
            {
                w.Line(c + " = new " + Strip(t.TypeName) + "(" + n + ");");
                w.Open("for (int " + i + " = 0; " + i + " < " + n + "; " + i + "++)");
                string item = ReadValue(w, e, 0, false, input, names);
                w.Line(input + ".AddElement(" + c + ", " + item + e.Bang + ");");
                w.Close();
                break;
            }

            default:
            {
                w.Line(c + " = new " + Strip(t.TypeName) + "(" + n + ");");
                w.Open("for (int " + i + " = 0; " + i + " < " + n + "; " + i + "++)");
                string key = names.Next("key");
                string keyExpr = ReadValue(w, t.Key!, 0, false, input, names);
                w.Line("var " + key + " = " + keyExpr + t.Key!.Bang + ";");
                string valueExpr = ReadValue(w, e, 0, false, input, names);
                w.Line(input + ".AddEntry(" + c + ", " + key + ", " + valueExpr + e.Bang + ");");
                w.Close();
                break;
            }
        }

        w.Close();
        return c;
    }

    /// <summary><c>new T[n]</c>, with the count in the first brackets for jagged arrays (<c>new int[n][]</c>).</summary>
    private static string NewArray(TypeModel element, string count)
    {
        string suffix = string.Empty;
        TypeModel inner = element;
        while (inner.Kind == WireKind.Array)
        {
            suffix += "[]";
            inner = inner.Element!;
        }

        string baseName = inner.Kind == WireKind.ByteArray ? "byte" : inner.TypeName;
        if (inner.Kind == WireKind.ByteArray)
        {
            suffix += "[]";
        }

        return "new " + baseName + "[" + count + "]" + suffix;
    }

    private static string Strip(string typeName) => typeName.EndsWith("?", System.StringComparison.Ordinal) ? typeName.Substring(0, typeName.Length - 1) : typeName;

    private static string VarIntCast(WireKind kind, bool varInt) => varInt && kind is WireKind.Char ? "(ushort)" : string.Empty;

    private static string WriteMethod(WireKind kind, bool varInt) => varInt
        ? kind switch
        {
            WireKind.Int16 or WireKind.Int32 => "WriteVarInt32",
            WireKind.Int64 => "WriteVarInt64",
            WireKind.UInt16 or WireKind.UInt32 or WireKind.Char => "WriteVarUInt32",
            _ => "WriteVarUInt64",
        }
        : "Write" + kind;

    private static string ReadMethod(WireKind kind, bool varInt) => varInt
        ? kind switch
        {
            WireKind.Int16 => "ReadVarInt16",
            WireKind.UInt16 or WireKind.Char => "ReadVarUInt16",
            WireKind.Int32 => "ReadVarInt32",
            WireKind.Int64 => "ReadVarInt64",
            WireKind.UInt32 => "ReadVarUInt32",
            _ => "ReadVarUInt64",
        }
        : "Read" + kind;

    private static string Literal(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Unique local names within one method.</summary>
    private sealed class Names
    {
        private int _next;

        public string Next(string stem) => "__" + stem + (_next++).ToString(CultureInfo.InvariantCulture);
    }
}
