#ifdef __cplusplus
extern "C" {
#endif
void livecam_cv_set_log_level(int level);
int livecam_cv_log_level(void);
#ifdef __cplusplus
}
#endif
