using System.CommandLine;
using Tessera.Scenarios;
using Tessera.Workloads.Zoo;

namespace Tessera.Cli.Commands;

/// <summary>The options that shape a model: batch, bits, and a transformer's phase and lengths.</summary>
internal sealed class ModelOptionsBinder
{
    public Option<int> Batch { get; } = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 1 }.AtLeast(1);
    public Option<int> Bits { get; } = new Option<int>("--bits") { Description = "Bits per value of every tensor", DefaultValueFactory = _ => 8 }.AtLeast(1);
    public Option<TransformerPhase> Phase { get; } = new Option<TransformerPhase>("--phase") { Description = "Transformer phase: prefill or decode", DefaultValueFactory = _ => TransformerPhase.Prefill }.ByName();
    public Option<int> Sequence { get; } = new Option<int>("--sequence") { Description = "Prompt length S for prefill", DefaultValueFactory = _ => 128 }.AtLeast(1);
    public Option<int> Context { get; } = new Option<int>("--context") { Description = "KV-cache length L for decode", DefaultValueFactory = _ => 1024 }.AtLeast(1);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Batch, Bits, Phase, Sequence, Context })
            command.Options.Add(option);
    }

    public (ModelRequest Request, int Bits) Bind(ParseResult parse, string source)
    {
        return (new ModelRequest(source, parse.GetValue(Batch), parse.GetValue(Phase), parse.GetValue(Sequence), parse.GetValue(Context)),
            parse.GetValue(Bits));
    }
}
