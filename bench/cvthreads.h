#ifdef __cplusplus
extern "C" {
#endif
void livecam_cv_set_num_threads(int n);
int livecam_cv_get_num_threads(void);
#ifdef __cplusplus
}
#endif
