using System.CommandLine;
using Tessera.Costs;

namespace Tessera.Cli.Commands;

/// <summary>The --cost-model option, the same in every command that computes a cost.</summary>
internal static class CostModelOption
{
    public static Option<string> Create()
    {
        var option = new Option<string>("--cost-model")
        {
            Description = $"Operator cost model: {string.Join(", ", CostModels.Names)} (loopnest: searched intra-core mapping; roofline: perfect-reuse bound)",
            DefaultValueFactory = _ => CostModels.Default,
        };
        option.AcceptOnlyFromAmong([.. CostModels.Names]);
        return option;
    }
}
