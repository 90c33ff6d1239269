using System.Text;
using System.Text.RegularExpressions;

namespace Tessera.Fuzz;

/// <summary>Ways to damage an input: YAML and other text by line and value, ONNX by protobuf field.</summary>
public static partial class Mutators
{
    /// <summary>Values a careless or hostile user writes where a number or name belongs.</summary>
    public static readonly string[] NastyValues =
    [
        "0", "-1", "-3", "0.5", "-0", "1e999", "-1e999", ".nan", "NaN", ".inf", "-.inf", "Infinity", "2147483647", "2147483648",
        "-2147483648", "9223372036854775807", "1e308", "1e-320", "100000", "1000000", "2000000000", "abc", "\"\"", "[]", "{}",
        "[1, 2]", "{a: 1}", "7", "null", "~", "true", "1 GHz", "1e999 GHz", "-5 pJ", "0 B", "1e30 MiB", "-1 ns", "0x10", "1_000",
        "'7'", "&a 1", "*a", "!!binary AAAA", "[[[[[[[[[[1]]]]]]]]]]", "\"\\u0000\"", "ą", "nm", "prefill", "decode",
    ];

    [GeneratedRegex(@"^(\s*(?:- )?[A-Za-z_][\w\-]*\s*:\s*)(\S.*)$")]
    private static partial Regex BlockValue();

    [GeneratedRegex(@"(:\s*)([^,\[\]{}\s][^,\[\]{}]*)")]
    private static partial Regex FlowValue();

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][+-]?\d+)?")]
    private static partial Regex NumberToken();

    /// <summary>One to three YAML text mutations; the seed's structure is kept often enough that loaders see deep damage.</summary>
    public static string Yaml(string text, Random random)
    {
        if (random.Next(40) == 0) return WholeFile(random);
        var lines = text.ReplaceLineEndings("\n").Split('\n').ToList();
        int count = 1 + random.Next(3);
        for (int m = 0; m < count && lines.Count > 0; m++)
        {
            int i = random.Next(lines.Count);
            switch (random.Next(12))
            {
                case 0 or 1 or 2:
                    lines[i] = ReplaceValue(lines[i], Pick(NastyValues, random), random);
                    break;
                case 3 or 4:
                    lines[i] = ReplaceNumber(lines[i], random);
                    break;
                case 5: lines.RemoveAt(i); break;
                case 6: lines.Insert(i, lines[i]); break;
                case 7: lines.Insert(i, Indent(lines[i]) + Pick(["bogus_key: 1", "name: again", "- 1", "x: 0", "y: 0", "count: 2000000000", "count: 4096", "repeat: 4096"], random)); break;
                case 8:
                    int j = random.Next(lines.Count);
                    (lines[i], lines[j]) = (lines[j], lines[i]);
                    break;
                case 9: lines[i] = FlipChar(lines[i], random); break;
                case 10: lines[i] = ReplaceValue(lines[i], Deep(random), random); break;
                default:
                    var joined = string.Join('\n', lines);
                    return joined[..random.Next(joined.Length + 1)];
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>Text mutations for MAESTRO files: numbers made extreme, tokens dropped, characters flipped, truncation.</summary>
    public static string Text(string text, Random random)
    {
        if (random.Next(40) == 0) return WholeFile(random);
        var lines = text.ReplaceLineEndings("\n").Split('\n').ToList();
        int count = 1 + random.Next(3);
        for (int m = 0; m < count && lines.Count > 0; m++)
        {
            int i = random.Next(lines.Count);
            switch (random.Next(6))
            {
                case 0 or 1: lines[i] = ReplaceNumber(lines[i], random); break;
                case 2: lines.RemoveAt(i); break;
                case 3: lines[i] = FlipChar(lines[i], random); break;
                case 4: lines.Insert(i, lines[i]); break;
                default:
                    var joined = string.Join('\n', lines);
                    return joined[..random.Next(joined.Length + 1)];
            }
        }
        return string.Join('\n', lines);
    }

    private static string WholeFile(Random random) => random.Next(6) switch
    {
        0 => "",
        1 => "- - - : : :",
        2 => "[" + new string('[', 100000),
        3 => "a:\n" + string.Concat(Enumerable.Range(1, 5000).Select(d => new string(' ', d) + "a:\n")),
        4 => Encoding.Latin1.GetString([.. Enumerable.Range(0, 64).Select(_ => (byte)random.Next(256))]),
        _ => "just a scalar",
    };

    private static string Deep(Random random)
    {
        int depth = random.Next(4) == 0 ? 100000 : random.Next(1, 200);
        return new string('[', depth) + "1" + new string(']', depth);
    }

    private static string ReplaceValue(string line, string value, Random random)
    {
        var block = BlockValue().Match(line);
        if (block.Success && !line.TrimEnd().EndsWith(':')) return block.Groups[1].Value + value;
        var flows = FlowValue().Matches(line);
        if (flows.Count == 0) return ReplaceNumber(line, random);
        var f = flows[random.Next(flows.Count)];
        return line[..f.Groups[2].Index] + value + line[(f.Groups[2].Index + f.Groups[2].Length)..];
    }

    private static string ReplaceNumber(string line, Random random)
    {
        var numbers = NumberToken().Matches(line);
        if (numbers.Count == 0) return line;
        var n = numbers[random.Next(numbers.Count)];
        string[] replacements = ["0", "-1", "-3", "1e999", "NaN", "2147483648", "99999999999", "100000", "0.0001", "-0.5", "1e308"];
        return line[..n.Index] + Pick(replacements, random) + line[(n.Index + n.Length)..];
    }

    private static string FlipChar(string line, Random random)
    {
        if (line.Length == 0) return ":";
        int i = random.Next(line.Length);
        char c = Pick(['"', '\'', '[', ']', '{', '}', ':', '-', '&', '*', '!', '|', '>', '#', '\t', '%', '@', '`', 'x', '9'], random);
        return line[..i] + c + line[(i + 1)..];
    }

    private static string Indent(string line) => line[..(line.Length - line.TrimStart().Length)];

    public static T Pick<T>(IReadOnlyList<T> items, Random random) => items[random.Next(items.Count)];

    /// <summary>
    /// One ONNX mutation: truncation, bit flips, random bytes, or (most often) a protobuf-aware change of one varint
    /// (a dimension, an element type, an attribute) to an absurd value, or a field's wire type changed.
    /// </summary>
    public static byte[] Onnx(byte[] bytes, Random random)
    {
        switch (random.Next(8))
        {
            case 0: return bytes[..random.Next(bytes.Length)];
            case 1:
                var flipped = (byte[])bytes.Clone();
                for (int k = 1 + random.Next(4); k > 0; k--)
                    flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                return flipped;
            case 2:
                var spliced = (byte[])bytes.Clone();
                int at = random.Next(spliced.Length);
                for (int k = at; k < Math.Min(spliced.Length, at + 1 + random.Next(16)); k++) spliced[k] = (byte)random.Next(256);
                return spliced;
            default:
                var tree = Protobuf.Parse(bytes, 0);
                var varints = tree is null ? [] : Protobuf.All(tree).Where(f => f.WireType == Protobuf.Varint).ToList();
                if (varints.Count == 0) return bytes;
                var target = Pick(varints, random);
                if (random.Next(5) == 0)
                    target.ChangeToFixed32();
                else
                    target.Value = Pick([0L, -1, -256, 1, 7, 17, 1 << 20, 1L << 31, 1L << 40, long.MaxValue, long.MinValue, 1000000], random);
                return Protobuf.Serialize(tree!);
        }
    }
}
