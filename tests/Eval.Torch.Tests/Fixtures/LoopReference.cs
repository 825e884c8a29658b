using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Fixtures;

/// <summary>
/// A Llama-shaped decoder (RMSNorm, GQA attention, SwiGLU, untied head) written out in plain double loops over a
/// checkpoint's weights, with the attention logit of each (layer, head, query i, key j) supplied by the test: the
/// independent reference the position-encoding golden tests compare the runtime with.
/// </summary>
public static class LoopReference
{
    /// <summary>The pre-softmax score of query i and key j &lt;= i in a layer's head, from their unrotated head vectors (hd).</summary>
    public delegate double Logit(int layer, int head, int i, int j, double[] q, double[] k);

    /// <summary>Row-major copy of a weight as double[rows, cols] (a vector as one row).</summary>
    public static double[,] Matrix(Dictionary<string, Tensor> weights, string key)
    {
        var w = weights[key].to(ScalarType.Float64).contiguous();
        long rows = w.dim() == 1 ? 1 : w.shape[0], cols = w.shape[^1];
        var flat = w.data<double>().ToArray();
        var m = new double[rows, cols];
        for (long r = 0; r < rows; r++) for (long c = 0; c < cols; c++) m[r, c] = flat[r * cols + c];
        return m;
    }

    public static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int d = 0; d < a.Length; d++) sum += a[d] * b[d];
        return sum;
    }

    /// <summary>x (T, in) times W^T for W (out, in): (T, out).</summary>
    static double[,] Linear(double[,] x, double[,] w)
    {
        int t = x.GetLength(0), inDim = x.GetLength(1), outDim = w.GetLength(0);
        var y = new double[t, outDim];
        for (int i = 0; i < t; i++) for (int o = 0; o < outDim; o++)
        {
            double sum = 0;
            for (int d = 0; d < inDim; d++) sum += x[i, d] * w[o, d];
            y[i, o] = sum;
        }
        return y;
    }

    static double[,] RmsNorm(double[,] x, double[,] weight, double eps)
    {
        int t = x.GetLength(0), d = x.GetLength(1);
        var y = new double[t, d];
        for (int i = 0; i < t; i++)
        {
            double meanSquare = 0;
            for (int c = 0; c < d; c++) meanSquare += x[i, c] * x[i, c] / d;
            for (int c = 0; c < d; c++) y[i, c] = x[i, c] / Math.Sqrt(meanSquare + eps) * weight[0, c];
        }
        return y;
    }

    static double[] Head(double[,] x, int row, int head, int headDim) =>
        Enumerable.Range(0, headDim).Select(d => x[row, head * headDim + d]).ToArray();

    /// <summary>
    /// One layer's attention: q (T, nH*hd), k, v (T, nKV*hd); query head h reads key head h / (nH / nKV); keys j &lt;= i,
    /// and with a sliding window W only i - j &lt; W.
    /// </summary>
    static double[,] Attention(int layer, double[,] q, double[,] k, double[,] v, LlamaArchitecture a, Logit logit)
    {
        int t = q.GetLength(0), hd = a.HeadDim;
        var y = new double[t, a.Heads * hd];
        for (int h = 0; h < a.Heads; h++)
        {
            int kh = h / (a.Heads / a.KvHeads);
            for (int i = 0; i < t; i++)
            {
                int first = a.WindowOf(layer) is int w ? Math.Max(0, i - w + 1) : 0;
                var scores = new double[i + 1];
                double max = double.NegativeInfinity, total = 0;
                for (int j = first; j <= i; j++) max = Math.Max(max, scores[j] = logit(layer, h, i, j, Head(q, i, h, hd), Head(k, j, kh, hd)));
                for (int j = first; j <= i; j++) total += scores[j] = Math.Exp(scores[j] - max);
                for (int d = 0; d < hd; d++)
                {
                    double sum = 0;
                    for (int j = first; j <= i; j++) sum += scores[j] / total * v[j, kh * hd + d];
                    y[i, h * hd + d] = sum;
                }
            }
        }
        return y;
    }

    /// <summary>-log p(token t | earlier) for t = 1 .. T-1, from the weights alone.</summary>
    public static double[] Nll(Dictionary<string, Tensor> weights, LlamaArchitecture a, int[] tokens, Logit logit)
    {
        int t = tokens.Length, dim = a.HiddenSize;
        var embed = Matrix(weights, "model.embed_tokens.weight");
        var h = new double[t, dim];
        for (int i = 0; i < t; i++) for (int c = 0; c < dim; c++) h[i, c] = embed[tokens[i], c];
        for (int layer = 0; layer < a.Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            var x = RmsNorm(h, Matrix(weights, p + "input_layernorm.weight"), a.RmsNormEps);
            var attended = Linear(Attention(layer, Linear(x, Matrix(weights, p + "self_attn.q_proj.weight")), Linear(x, Matrix(weights, p + "self_attn.k_proj.weight")),
                Linear(x, Matrix(weights, p + "self_attn.v_proj.weight")), a, logit), Matrix(weights, p + "self_attn.o_proj.weight"));
            for (int i = 0; i < t; i++) for (int c = 0; c < dim; c++) h[i, c] += attended[i, c];
            var x2 = RmsNorm(h, Matrix(weights, p + "post_attention_layernorm.weight"), a.RmsNormEps);
            var gate = Linear(x2, Matrix(weights, p + "mlp.gate_proj.weight"));
            var up = Linear(x2, Matrix(weights, p + "mlp.up_proj.weight"));
            for (int i = 0; i < t; i++) for (int c = 0; c < gate.GetLength(1); c++) gate[i, c] = gate[i, c] / (1 + Math.Exp(-gate[i, c])) * up[i, c];
            var down = Linear(gate, Matrix(weights, p + "mlp.down_proj.weight"));
            for (int i = 0; i < t; i++) for (int c = 0; c < dim; c++) h[i, c] += down[i, c];
        }
        var logits = Linear(RmsNorm(h, Matrix(weights, "model.norm.weight"), a.RmsNormEps), Matrix(weights, "lm_head.weight"));
        var nll = new double[t - 1];
        for (int i = 0; i + 1 < t; i++)
        {
            double max = double.NegativeInfinity, total = 0;
            for (int c = 0; c < a.VocabSize; c++) max = Math.Max(max, logits[i, c]);
            for (int c = 0; c < a.VocabSize; c++) total += Math.Exp(logits[i, c] - max);
            nll[i] = -(logits[i, tokens[i + 1]] - max - Math.Log(total));
        }
        return nll;
    }
}
