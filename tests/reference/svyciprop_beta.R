## Reference values for the survey share intervals in tests/test_survey_design.py:
## R's svyciprop(method = "beta") on the API samples, for the whole sample and for
## domains (svyby). Run from the repository root:
##   Rscript tests/reference/svyciprop_beta.R > tests/reference/svyciprop_beta.Rout
## It also writes tests/reference/apiclus2.csv and checks that apiclus1.csv,
## apistrat.csv and apiclus2.csv hold R's data(api) values.
suppressMessages(library(survey))
data(api)
cat(R.version.string, "; survey", format(packageVersion("survey")), "\n\n")

## the CSV extracts must equal R's data, row for row
same_as_r <- function(file, original) {
  kept <- read.csv(file)
  stopifnot(nrow(kept) == nrow(original))
  for (column in names(kept)) {
    theirs <- original[[column]]
    if (is.factor(theirs)) theirs <- as.character(theirs)
    stopifnot(isTRUE(all.equal(kept[[column]], as.vector(theirs), tolerance = 1e-12)))
  }
  cat(file, ": equal to data(api)\n", sep = "")
}
same_as_r("tests/reference/apiclus1.csv", apiclus1)
same_as_r("tests/reference/apistrat.csv", apistrat)
clus2_columns <- c("snum", "dnum", "stype", "sch.wide", "comp.imp", "acs.46", "pw",
                   "fpc1", "fpc2")
clus2 <- apiclus2[, clus2_columns]
clus2$fpc2 <- as.vector(clus2$fpc2)
write.csv(clus2, "tests/reference/apiclus2.csv", row.names = FALSE, na = "", quote = FALSE)
same_as_r("tests/reference/apiclus2.csv", apiclus2)
cat("\n")

## the designs
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dstrat_wr <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus1_wr <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dclus2_wr <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)
dclus2_stage1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc1, data = apiclus2)

whole <- function(formula, design, label) {
  share <- svyciprop(formula, design, method = "beta")
  cat("svyciprop(", deparse(formula), ", ", label, ', method = "beta")\n', sep = "")
  limits <- confint(share)
  print(data.frame(estimate = as.vector(coef(share)), SE = as.vector(SE(share)),
                   ci_l = limits[1], ci_u = limits[2], n = nrow(design),
                   degf = degf(design), row.names = NULL), digits = 7)
  cat("\n")
}
by_group <- function(formula, design, label) {
  cat("svyby(", deparse(formula), ", ~stype, ", label,
      ', svyciprop, method = "beta", vartype = c("se", "ci"))\n', sep = "")
  print(svyby(formula, ~stype, design, svyciprop, method = "beta", vartype = c("se", "ci")),
        digits = 7)
  cat("n and degf of each domain:\n")
  for (s in levels(design$variables$stype)) {
    part <- design[design$variables$stype == s, ]
    cat(" ", s, nrow(part), degf(part), "\n")
  }
  cat("\n")
}

designs <- list(dstrat = dstrat, dstrat_wr = dstrat_wr, dclus1 = dclus1,
                dclus1_wr = dclus1_wr, dclus2 = dclus2, dclus2_wr = dclus2_wr,
                dclus2_stage1 = dclus2_stage1)
for (label in names(designs)) {
  cat("==== ", label, ": ", paste(deparse(designs[[label]]$call), collapse = ""), "\n", sep = "")
  whole(~I(sch.wide == "No"), designs[[label]], label)
  by_group(~I(sch.wide == "No"), designs[[label]], label)
  by_group(~I(comp.imp == "Yes"), designs[[label]], label)
}

## an answer with blanks: the domain is the schools that answered (acs.46, the average
## class size in grades 4-6, is blank for 30 of apiclus2's 126 schools, all 20 high
## schools among them)
cat("==== answered: subset(dclus2_wr, !is.na(acs.46))\n")
answered <- subset(dclus2_wr, !is.na(acs.46))
whole(~I(acs.46 <= 30), answered, "subset(dclus2_wr, !is.na(acs.46))")
by_group(~I(acs.46 <= 30), answered, "subset(dclus2_wr, !is.na(acs.46))")
## svyciprop(..., na.rm = TRUE) on the whole design gives the same share and standard
## error, but its t correction takes nrow() and degf() of the whole design (126, 39)
## rather than of the schools that answered (96, 34), so the interval differs a little
cat("for comparison, the blanks dropped inside svymean instead:\n")
share <- svyciprop(~I(acs.46 <= 30), dclus2_wr, method = "beta", na.rm = TRUE)
print(confint(share), digits = 7)
