namespace Tessera.Fuzz;

/// <summary>
/// Just enough of the protobuf wire format to change one field of an ONNX file and write it back with every enclosing
/// length fixed: length-delimited fields that parse as messages become subtrees, everything else stays raw.
/// </summary>
public static class Protobuf
{
    public const int Varint = 0, Fixed64 = 1, Delimited = 2, Fixed32 = 5;

    public sealed class Field(int number, int wireType)
    {
        public int Number { get; } = number;
        public int WireType { get; private set; } = wireType;
        public long Value { get; set; }
        public byte[] Raw { get; set; } = [];
        public List<Field>? Children { get; set; }

        public void ChangeToFixed32()
        {
            WireType = Fixed32;
            Raw = BitConverter.GetBytes((int)Value);
        }
    }

    /// <summary>The fields of a message, or null when the bytes are not one (then the caller keeps them raw).</summary>
    public static List<Field>? Parse(ReadOnlySpan<byte> data, int depth)
    {
        var fields = new List<Field>();
        int i = 0;
        while (i < data.Length)
        {
            if (!TryVarint(data, ref i, out var key) || key <= 0 || key >> 3 == 0 || key >> 3 > int.MaxValue) return null;
            var field = new Field((int)(key >> 3), (int)(key & 7));
            switch (field.WireType)
            {
                case Varint:
                    if (!TryVarint(data, ref i, out var v)) return null;
                    field.Value = v;
                    break;
                case Fixed64 or Fixed32:
                    int size = field.WireType == Fixed64 ? 8 : 4;
                    if (i + size > data.Length) return null;
                    field.Raw = data.Slice(i, size).ToArray();
                    i += size;
                    break;
                case Delimited:
                    if (!TryVarint(data, ref i, out var length) || length < 0 || length > data.Length - i) return null;
                    var body = data.Slice(i, (int)length);
                    field.Raw = body.ToArray();
                    field.Children = depth < 32 && body.Length > 0 ? Parse(body, depth + 1) : null;
                    i += (int)length;
                    break;
                default:
                    return null;
            }
            fields.Add(field);
        }
        return fields;
    }

    public static IEnumerable<Field> All(List<Field> fields) =>
        fields.SelectMany(f => f.Children is null ? [f] : All(f.Children).Prepend(f));

    public static byte[] Serialize(List<Field> fields)
    {
        var output = new MemoryStream();
        foreach (var f in fields)
        {
            WriteVarint(output, ((long)f.Number << 3) | (long)f.WireType);
            switch (f.WireType)
            {
                case Varint: WriteVarint(output, f.Value); break;
                case Delimited:
                    var body = f.Children is null ? f.Raw : Serialize(f.Children);
                    WriteVarint(output, body.Length);
                    output.Write(body);
                    break;
                default: output.Write(f.Raw); break;
            }
        }
        return output.ToArray();
    }

    private static bool TryVarint(ReadOnlySpan<byte> data, ref int i, out long value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && i < data.Length; shift += 7)
        {
            byte b = data[i++];
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return true;
        }
        return false;
    }

    private static void WriteVarint(Stream output, long value)
    {
        var v = (ulong)value;
        while (v >= 0x80)
        {
            output.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        output.WriteByte((byte)v);
    }
}
