using Eval.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Zoo;

/// <summary>
/// GPT-2 / nanoGPT initialisation: every matrix N(0, 0.02), residual output projections (o_proj, down_proj) scaled
/// by 1/sqrt(2 x layers), norms at 1. TorchSharp's defaults (N(0, 1) embeddings) train far worse when tied.
/// </summary>
public static class ZooInitializer
{
    public static void Initialize(LlamaForCausalLM model, int seed)
    {
        manual_seed(seed);
        double residualStd = 0.02 / Math.Sqrt(2.0 * model.Architecture.Layers);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) parameter.fill_(1.0);
            else if (name.EndsWith(KerpleLogBias.R1Name, StringComparison.Ordinal)) parameter.uniform_(0, 2);   // KERPLE's reference initialisation
            else if (name.EndsWith(KerpleLogBias.R2Name, StringComparison.Ordinal)) parameter.uniform_(0, 1);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
            else if (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal))
                nn.init.normal_(parameter, 0, residualStd);
            else nn.init.normal_(parameter, 0, 0.02);
        }
    }
}
