# R reference values for tests/test_statistics_r.py, computed by R (4.x; coin for lbl_test)
# on the contingency tables of the DMP study as dmp-survey counts them from
# data/raw/responses.xlsx. Run from the repository root:
#   Rscript tests/results/references.R
# It writes tests/results/annex_odds_ratios.csv, tests/results/all_groups_fisher.csv
# and tests/results/trend.csv, which the tests compare with the engine.
suppressPackageStartupMessages(library(coin))
# fisher.test solves its odds-ratio equations with uniroot at its default
# tolerance (.Machine$double.eps^0.25, ~1e-4): the same function with only that
# tolerance tightened gives the roots to full precision (tests/test_effects.py).
ft <- stats::fisher.test
environment(ft) <- list2env(list(uniroot = function(...) stats::uniroot(..., tol = 1e-15, maxiter = 10000)),
                            parent = asNamespace("stats"))
or_rows <- list()
m <- matrix(c(1, 31, 3, 29), 2)  # annex_1 a2_sex: [[1, 3], [31, 29]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "a2_sex", a = 1, b = 3, c = 31, d = 29, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(4, 49, 0, 11), 2)  # annex_1 a6_cme: [[4, 0], [49, 11]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "a6_cme", a = 4, b = 0, c = 49, d = 11, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(0, 15, 4, 45), 2)  # annex_1 a7_trainer: [[0, 4], [15, 45]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "a7_trainer", a = 0, b = 4, c = 15, d = 45, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(4, 41, 0, 19), 2)  # annex_1 b1_access: [[4, 0], [41, 19]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "b1_access", a = 4, b = 0, c = 41, d = 19, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(4, 13, 0, 47), 2)  # annex_1 b7_ready_daily: [[4, 0], [13, 47]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "b7_ready_daily", a = 4, b = 0, c = 13, d = 47, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(4, 54, 0, 6), 2)  # annex_1 c1_principle: [[4, 0], [54, 6]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "c1_principle", a = 4, b = 0, c = 54, d = 6, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(2, 33, 2, 27), 2)  # annex_1 c2_pilot_known: [[2, 2], [33, 27]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "c2_pilot_known", a = 2, b = 2, c = 33, d = 27, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(4, 22, 0, 38), 2)  # annex_1 c6_operational: [[4, 0], [22, 38]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "c6_operational", a = 4, b = 0, c = 22, d = 38, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(2, 10, 2, 50), 2)  # annex_1 c8_problems: [[2, 2], [10, 50]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "c8_problems", a = 2, b = 2, c = 10, d = 50, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(2, 3, 0, 7), 2)  # annex_1 c9_solution: [[2, 0], [3, 7]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_1", variable = "c9_solution", a = 2, b = 0, c = 3, d = 7, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(8, 24, 14, 18), 2)  # annex_2 a2_sex: [[8, 14], [24, 18]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "a2_sex", a = 8, b = 14, c = 24, d = 18, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(22, 31, 0, 11), 2)  # annex_2 a6_cme: [[22, 0], [31, 11]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "a6_cme", a = 22, b = 0, c = 31, d = 11, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(9, 6, 13, 36), 2)  # annex_2 a7_trainer: [[9, 13], [6, 36]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "a7_trainer", a = 9, b = 13, c = 6, d = 36, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(22, 23, 0, 19), 2)  # annex_2 b1_access: [[22, 0], [23, 19]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "b1_access", a = 22, b = 0, c = 23, d = 19, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(6, 11, 16, 31), 2)  # annex_2 b7_ready_daily: [[6, 16], [11, 31]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "b7_ready_daily", a = 6, b = 16, c = 11, d = 31, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(21, 37, 1, 5), 2)  # annex_2 c1_principle: [[21, 1], [37, 5]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "c1_principle", a = 21, b = 1, c = 37, d = 5, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(15, 20, 7, 22), 2)  # annex_2 c2_pilot_known: [[15, 7], [20, 22]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "c2_pilot_known", a = 15, b = 7, c = 20, d = 22, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(14, 12, 8, 30), 2)  # annex_2 c6_operational: [[14, 8], [12, 30]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "c6_operational", a = 14, b = 8, c = 12, d = 30, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(7, 5, 15, 37), 2)  # annex_2 c8_problems: [[7, 15], [5, 37]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "c8_problems", a = 7, b = 15, c = 5, d = 37, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(3, 2, 4, 3), 2)  # annex_2 c9_solution: [[3, 4], [2, 3]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_2", variable = "c9_solution", a = 3, b = 4, c = 2, d = 3, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(23, 9, 15, 17), 2)  # annex_3 a2_sex: [[23, 15], [9, 17]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "a2_sex", a = 23, b = 15, c = 9, d = 17, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(27, 26, 11, 0), 2)  # annex_3 a6_cme: [[27, 11], [26, 0]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "a6_cme", a = 27, b = 11, c = 26, d = 0, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(6, 9, 32, 17), 2)  # annex_3 a7_trainer: [[6, 32], [9, 17]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "a7_trainer", a = 6, b = 32, c = 9, d = 17, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(19, 26, 19, 0), 2)  # annex_3 b1_access: [[19, 19], [26, 0]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "b1_access", a = 19, b = 19, c = 26, d = 0, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(7, 10, 31, 16), 2)  # annex_3 b7_ready_daily: [[7, 31], [10, 16]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "b7_ready_daily", a = 7, b = 31, c = 10, d = 16, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(33, 25, 5, 1), 2)  # annex_3 c1_principle: [[33, 5], [25, 1]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "c1_principle", a = 33, b = 5, c = 25, d = 1, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(18, 17, 20, 9), 2)  # annex_3 c2_pilot_known: [[18, 20], [17, 9]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "c2_pilot_known", a = 18, b = 20, c = 17, d = 9, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(8, 18, 30, 8), 2)  # annex_3 c6_operational: [[8, 30], [18, 8]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "c6_operational", a = 8, b = 30, c = 18, d = 8, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(3, 9, 35, 17), 2)  # annex_3 c8_problems: [[3, 35], [9, 17]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "c8_problems", a = 3, b = 35, c = 9, d = 17, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
m <- matrix(c(0, 5, 3, 4), 2)  # annex_3 c9_solution: [[0, 3], [5, 4]]
f <- ft(m); or_rows[[length(or_rows) + 1]] <- data.frame(comparison = "annex_3", variable = "c9_solution", a = 0, b = 3, c = 5, d = 4, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2], p_value = f$p.value)
write.csv(do.call(rbind, or_rows), "tests/results/annex_odds_ratios.csv", row.names = FALSE)
g_rows <- list()
m <- matrix(c(1, 10, 26, 1, 2, 7, 2, 6, 1, 0, 4, 4), nrow = 3)  # by_usage_group a1_age: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "a1_age", p_value = p)
m <- matrix(c(1, 8, 23, 3, 14, 15), nrow = 3)  # by_usage_group a2_sex: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "a2_sex", p_value = p)
m <- matrix(c(0, 5, 4, 3, 7, 17, 0, 6, 6, 1, 4, 11), nrow = 3)  # by_usage_group a3_practice: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "a3_practice", p_value = p)
m <- matrix(c(1, 9, 12, 2, 8, 12, 1, 5, 14), nrow = 3)  # by_usage_group a4_area: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "a4_area", p_value = p)
m <- matrix(c(4, 22, 38, 0, 0, 0), nrow = 3)  # by_usage_group a5_computerised: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "a5_computerised", p_value = p)
m <- matrix(c(4, 22, 27, 0, 0, 11), nrow = 3)  # by_usage_group a6_cme: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "a6_cme", p_value = p)
m <- matrix(c(0, 9, 6, 4, 13, 32), nrow = 3)  # by_usage_group a7_trainer: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "a7_trainer", p_value = p)
m <- matrix(c(4, 22, 19, 0, 0, 19), nrow = 3)  # by_usage_group b1_access: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "b1_access", p_value = p)
m <- matrix(c(4, 6, 7, 0, 16, 31), nrow = 3)  # by_usage_group b7_ready_daily: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "b7_ready_daily", p_value = p)
m <- matrix(c(4, 21, 33, 0, 1, 5), nrow = 3)  # by_usage_group c1_principle: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c1_principle", p_value = p)
m <- matrix(c(2, 15, 18, 2, 7, 20), nrow = 3)  # by_usage_group c2_pilot_known: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c2_pilot_known", p_value = p)
m <- matrix(c(4, 20, 26, 0, 1, 12, 0, 1, 0), nrow = 3)  # by_usage_group c4_software: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c4_software", p_value = p)
m <- matrix(c(2, 6, 3, 1, 1, 1, 1, 15, 34), nrow = 3)  # by_usage_group c5_training: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c5_training", p_value = p)
m <- matrix(c(4, 14, 8, 0, 8, 30), nrow = 3)  # by_usage_group c6_operational: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c6_operational", p_value = p)
m <- matrix(c(1, 5, 0, 3, 4, 1, 0, 8, 4, 0, 5, 33), nrow = 3)  # by_usage_group c7_ease: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c7_ease", p_value = p)
m <- matrix(c(2, 7, 3, 2, 15, 35), nrow = 3)  # by_usage_group c8_problems: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c8_problems", p_value = p)
m <- matrix(c(2, 3, 0, 0, 4, 3), nrow = 3)  # by_usage_group c9_solution: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c9_solution", p_value = p)
m <- matrix(c(4, 15, 17, 0, 7, 19, 0, 0, 2), nrow = 3)  # by_usage_group c11_develop: rows regular / occasional / never
m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
p <- if (min(dim(m)) < 2) NA else fisher.test(m, workspace = 2e8)$p.value; g_rows[[length(g_rows) + 1]] <- data.frame(variable = "c11_develop", p_value = p)
write.csv(do.call(rbind, g_rows), "tests/results/all_groups_fisher.csv", row.names = FALSE)
# Trend tests of the ordered row A1 (age classes, scores 1..4):
# Cochran-Armitage (prop.trend.test) in annexes I-III, linear-by-linear
# association (coin::lbl_test, scores 1..3 on regular, occasional, never) in Table 1.
age <- list(annex_1 = rbind(c(1, 1, 2, 0), c(36, 9, 7, 8)),
            annex_2 = rbind(c(10, 2, 6, 4), c(27, 8, 3, 4)),
            annex_3 = rbind(c(26, 7, 1, 4), c(11, 3, 8, 4)))
t_rows <- list()
for (k in names(age)) {
  m <- age[[k]]
  p <- prop.trend.test(m[1, ], colSums(m))$p.value
  t_rows[[length(t_rows) + 1]] <- data.frame(comparison = k, variable = "a1_age", test = "cochran_armitage", p_value = p)
}
m <- rbind(c(1, 1, 2, 0), c(10, 2, 6, 4), c(26, 7, 1, 4))
tab <- as.table(m); dimnames(tab) <- list(group = c("regular", "occasional", "never"), age = paste0("a", 1:4))
p <- pvalue(lbl_test(tab, scores = list(group = 1:3, age = 1:4)))
t_rows[[length(t_rows) + 1]] <- data.frame(comparison = "by_usage_group", variable = "a1_age", test = "linear_by_linear", p_value = as.numeric(p))
write.csv(do.call(rbind, t_rows), "tests/results/trend.csv", row.names = FALSE)
