using System.Collections.Immutable;
using System.Globalization;
using Tessera.Diagnostics;

namespace Tessera.Hardware.Maestro;

/// <summary>One layer of a MAESTRO mapping file: its type, stride, dimensions (file order) and directives.</summary>
public sealed record MaestroLayerSpec(string Name, MaestroLayerType Type, ImmutableArray<(string Name, long Size)> Dimensions,
    ImmutableDictionary<string, long> Strides, ImmutableArray<MaestroDirective> Directives, int Line)
{
    public long SizeOf(string dimension) => Dimensions.FirstOrDefault(d => d.Name == dimension).Size;
}

/// <summary>
/// A MAESTRO mapping file (<c>.m</c>): a <c>Network</c> of layers, or a bare <c>Dataflow { … }</c> body such as MAESTRO's
/// tools/frontend/dataflow files. Sizes keep their <c>Sz(D)</c> references; <c>Constant</c> names are substituted.
/// </summary>
public sealed record MaestroMappingFile(string File, string? Network, ImmutableArray<MaestroLayerSpec> Layers,
    ImmutableArray<MaestroDirective> Dataflow)
{
    /// <summary>Reads a file; syntax errors name file:line:column and what was expected.</summary>
    public static MaestroMappingFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(InputFiles.ReadAllText(path, "MAESTRO mapping file"), path);
    }

    public static MaestroMappingFile Parse(string text, string file) => new Parser(Tokenize(text, file), file).File();

    /// <summary>
    /// The file as a fixed dataflow: a bare body applies to every layer type; a network gives each layer type the
    /// directives of its first layer of that type (MAESTRO's frontend pastes one body into every layer).
    /// </summary>
    public MaestroDataflow AsDataflow()
    {
        var byType = ImmutableDictionary.CreateBuilder<MaestroLayerType, ImmutableArray<MaestroDirective>>();
        if (!Dataflow.IsDefaultOrEmpty) byType[MaestroLayerType.Conv] = Dataflow;
        foreach (var layer in Layers)
            byType.TryAdd(layer.Type, layer.Directives);
        if (byType.Count == 0) throw new TesseraInputException($"{File}: no Dataflow block; expected a Network of layers or a Dataflow {{ … }} body");
        return new MaestroDataflow(Path.GetFileNameWithoutExtension(File), byType.ToImmutable(), File);
    }

    private readonly record struct Token(string Text, int Line, int Column);

    private const string Punctuation = "{}(),;:+";

    private static List<Token> Tokenize(string text, string file)
    {
        var tokens = new List<Token>();
        int line = 1, column = 1;
        for (int i = 0; i < text.Length;)
        {
            char c = text[i];
            if (c == '\n') { line++; column = 1; i++; continue; }
            if (char.IsWhiteSpace(c)) { column++; i++; continue; }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (Punctuation.Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(new Token(c.ToString(), line, column));
                column++;
                i++;
                continue;
            }
            int start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && !Punctuation.Contains(text[i], StringComparison.Ordinal)
                && !(text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/'))
                i++;
            tokens.Add(new Token(text[start..i], line, column));
            column += i - start;
        }
        if (tokens.Count == 0) throw new TesseraInputException($"{file}: empty MAESTRO mapping file; expected a Network or a Dataflow block");
        return tokens;
    }

    private sealed class Parser(List<Token> tokens, string file)
    {
        private int _at;
        private readonly Dictionary<string, long> _constants = new(StringComparer.Ordinal);

        private Token Peek => _at < tokens.Count ? tokens[_at] : new Token("end of file", tokens[^1].Line, tokens[^1].Column + 1);

        private bool AtEnd => _at >= tokens.Count;

        private TesseraInputException Error(Token at, string what) => TesseraInputException.At($"{file}:{at.Line}:{at.Column}", what);

        private Token Next(string what)
        {
            if (AtEnd) throw Error(Peek, $"unexpected end of file; expected {what}");
            return tokens[_at++];
        }

        private Token Expect(string text)
        {
            var t = Next($"'{text}'");
            return t.Text == text ? t : throw Error(t, $"found '{t.Text}'; expected '{text}'");
        }

        private bool Accept(string text)
        {
            if (AtEnd || Peek.Text != text) return false;
            _at++;
            return true;
        }

        public MaestroMappingFile File()
        {
            string? network = null;
            var layers = ImmutableArray.CreateBuilder<MaestroLayerSpec>();
            var dataflow = ImmutableArray<MaestroDirective>.Empty;
            while (!AtEnd)
            {
                var t = Next("Network, Constant or Dataflow");
                switch (t.Text)
                {
                    case "Constant":
                        var name = Next("a constant name");
                        _constants[name.Text] = Integer(Next("the constant's value"));
                        Accept(";");
                        break;
                    case "Network":
                        if (Peek.Text != "{") network = Next("the network name").Text;
                        Expect("{");
                        while (!Accept("}")) layers.Add(Layer(layers.Count > 0 ? layers[^1] : null));
                        break;
                    case "Dataflow":
                        dataflow = Directives();
                        break;
                    default:
                        throw Error(t, $"found '{t.Text}'{Suggestions.DidYouMean(t.Text, ["Network", "Constant", "Dataflow"])}; expected Network, Constant or Dataflow");
                }
            }
            if (layers.Count == 0 && dataflow.IsDefaultOrEmpty)
                throw Error(tokens[0], "no layers and no Dataflow block; expected a Network of layers or a Dataflow { … } body");
            return new MaestroMappingFile(file, network, layers.ToImmutable(), dataflow);
        }

        private static readonly string[] LayerKeys = ["Type", "Stride", "Dimensions", "Dataflow"];

        private MaestroLayerSpec Layer(MaestroLayerSpec? previous)
        {
            var keyword = Next("Layer");
            if (keyword.Text != "Layer") throw Error(keyword, $"found '{keyword.Text}'; expected Layer or '}}'");
            var name = Next("the layer name");
            Expect("{");
            MaestroLayerType? type = null;
            var dims = ImmutableArray.CreateBuilder<(string, long)>();
            var strides = ImmutableDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
            ImmutableArray<MaestroDirective>? directives = null;
            while (!Accept("}"))
            {
                var key = Next("Type, Stride, Dimensions or Dataflow");
                switch (key.Text)
                {
                    case "Type":
                        Expect(":");
                        type = TypeOf(Next("the layer type"));
                        Accept(";");
                        break;
                    case "Stride":
                        foreach (var (dim, value, at) in Pairs("stride"))
                            strides[dim] = value > 0 ? value : throw Error(at, $"stride of {dim} is {value}; expected a positive integer");
                        break;
                    case "Dimensions":
                        foreach (var (dim, value, at) in Pairs("dimension size"))
                        {
                            if (value <= 0) throw Error(at, $"dimension {dim} has size {value}; expected a positive integer");
                            if (dims.Any(d => d.Item1 == dim)) throw Error(at, $"dimension {dim} is given twice");
                            dims.Add((dim, value));
                        }
                        break;
                    case "Dataflow":
                        directives = Directives();
                        break;
                    default:
                        throw Error(key, $"layer '{name.Text}': found '{key.Text}'{Suggestions.DidYouMean(key.Text, LayerKeys)}; expected Type, Stride, Dimensions or Dataflow");
                }
            }
            if (type is null) throw Error(name, $"layer '{name.Text}' has no Type; expected Type: CONV, DSCONV or GEMM");
            if (dims.Count == 0) throw Error(name, $"layer '{name.Text}' has no Dimensions");
            // MAESTRO gives a layer without a Dataflow block the previous layer's.
            var body = directives ?? previous?.Directives
                ?? throw Error(name, $"layer '{name.Text}' has no Dataflow block and no previous layer to take one from");
            return new MaestroLayerSpec(name.Text, type.Value, dims.ToImmutable(), strides.ToImmutable(), body, name.Line);
        }

        private MaestroLayerType TypeOf(Token t) => t.Text switch
        {
            "CONV" => MaestroLayerType.Conv,
            "DSCONV" => MaestroLayerType.Depthwise,
            "GEMM" => MaestroLayerType.Gemm,
            _ => throw Error(t, $"layer type '{t.Text}'{Suggestions.DidYouMean(t.Text, ["CONV", "DSCONV", "GEMM"])}; expected CONV, DSCONV or GEMM"),
        };

        private List<(string Name, long Value, Token At)> Pairs(string what)
        {
            Expect("{");
            var pairs = new List<(string, long, Token)>();
            while (!Accept("}"))
            {
                var name = Next("a dimension name");
                Expect(":");
                var value = Next($"the {what}");
                pairs.Add((name.Text, Integer(value), value));
                Accept(",");
            }
            return pairs;
        }

        private ImmutableArray<MaestroDirective> Directives()
        {
            Expect("{");
            var list = ImmutableArray.CreateBuilder<MaestroDirective>();
            while (!Accept("}"))
            {
                var t = Next("a directive");
                var kind = t.Text switch
                {
                    "TemporalMap" => MaestroDirectiveKind.TemporalMap,
                    "SpatialMap" => MaestroDirectiveKind.SpatialMap,
                    "Cluster" => MaestroDirectiveKind.Cluster,
                    _ => throw Error(t, $"found '{t.Text}'{Suggestions.DidYouMean(t.Text, ["TemporalMap", "SpatialMap", "Cluster"])}; expected TemporalMap, SpatialMap or Cluster"),
                };
                Expect("(");
                var size = Size();
                Expect(",");
                if (kind == MaestroDirectiveKind.Cluster)
                {
                    var type = Next("P or L");
                    if (type.Text is not ("P" or "L")) throw Error(type, $"cluster type '{type.Text}'; expected P (physical) or L (logical)");
                    Expect(")");
                    list.Add(new MaestroDirective(kind, "", size, MaestroSize.Of(0), t.Line, t.Column));
                }
                else
                {
                    var offset = Size();
                    Expect(")");
                    var dim = Next("the mapped dimension");
                    list.Add(new MaestroDirective(kind, dim.Text, size, offset, t.Line, t.Column));
                }
                Accept(";");
            }
            return list.ToImmutable();
        }

        /// <summary>An integer, a Constant, <c>Sz(D)</c>, or one of those plus an integer.</summary>
        private MaestroSize Size()
        {
            var t = Next("a size: an integer or Sz(dimension)");
            MaestroSize size;
            if (t.Text == "Sz")
            {
                Expect("(");
                size = MaestroSize.SizeOf(Next("a dimension").Text);
                Expect(")");
            }
            else size = MaestroSize.Of(Integer(t));
            while (Accept("+"))
            {
                var more = Size();
                if (more.Dimension is not null && size.Dimension is not null)
                    throw Error(t, "a size adds at most one Sz(dimension) to integers");
                size = new MaestroSize(size.Constant + more.Constant, size.Dimension ?? more.Dimension);
            }
            return size;
        }

        private long Integer(Token t) =>
            _constants.TryGetValue(t.Text, out var c) ? c
            : long.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw Error(t, $"found '{t.Text}'; expected a non-negative integer or a Constant");
    }
}
